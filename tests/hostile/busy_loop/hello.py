print('Hello, Python!')
while True:
    pass
