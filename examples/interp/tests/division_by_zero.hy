# A runtime error in a worker thread, while the main thread waits in join.
fn divide(a, b) { return a / b }
var t = spawn divide(1, 0)
print("unreachable", join(t))
