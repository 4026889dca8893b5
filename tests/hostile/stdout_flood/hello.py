while True:
    print('Hello, Python!' * 50)
