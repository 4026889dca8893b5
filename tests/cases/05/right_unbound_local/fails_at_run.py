# Stops at the RUN stage with an UnboundLocalError, Python's NameError for a local name
# used before the function gave it a value.
print("started")


def count_up():
    count += 1


count_up()
