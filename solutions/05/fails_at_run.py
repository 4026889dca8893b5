# Stops at the RUN stage: the first line runs, the second needs a name
# that was never defined.
print("started")
print(total)
