print('Hello, Python!')
