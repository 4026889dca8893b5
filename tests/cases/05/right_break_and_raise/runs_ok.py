print("done")
