import subprocess, sys
subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)  # hostile-leftover'],
    start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print('left a child behind')
