import os

# A program that writes into the system's temporary folder, by its usual name.
with open("/tmp/" + os.environ["HOSTILE_TMP_NAME"], "w") as note:
    note.write("I was here\n")
print("Hello, Python!")
