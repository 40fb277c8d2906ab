var x = 1
while x < { x = x + 1 }
