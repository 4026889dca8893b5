import sys
print(sys.flags.optimize, sys.flags.dont_write_bytecode, sys.flags.safe_path if hasattr(sys.flags, 'safe_path') else False)
assert False, 'asserts are on'
