raise SyntaxError("pretend the grammar is broken")
