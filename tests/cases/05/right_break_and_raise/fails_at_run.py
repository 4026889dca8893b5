print("started")
undefined_function()
