print('name?')
name = input()
print(name)
