def f(x):
    return 1 / x

print('go')
f(0)
