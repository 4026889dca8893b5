print('before')
print('hello'
