print('one')
print('two')
print(three)
print('four')
