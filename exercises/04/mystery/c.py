# Stop early when there is nothing to do.
tasks = []
print("Checking the task list...")

if not tasks:
    print("Nothing to do.")
    return

for task in tasks:
    print("Doing", task)
