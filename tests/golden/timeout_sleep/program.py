import time
print('sleeping')
time.sleep(3600)
