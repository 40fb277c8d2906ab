# Workers update shared data with read-modify-write sequences that a data
# race would lose: a global counter, list slots and pushes to a shared list.
# Each slice sees them as if it ran alone, so every total is exact.
fn work(n, id) {
    var i = 0
    while i < n {
        counter = counter + 1
        slots[i % 4] = slots[i % 4] + 1
        if i % 10 == 0 { push(log, id) }
        i = i + 1
    }
    return i
}

var total = arg(0, 20000)
var counter = 0
var slots = [0, 0, 0, 0]
var log = []
var threads = []
var t = 0
while t < nthreads() {
    push(threads, spawn work(total / nthreads(), t))
    t = t + 1
}
var done = 0
t = 0
while t < nthreads() {
    done = done + join(threads[t])
    t = t + 1
}
print("counter", counter)
print("slots", slots)
print("log", len(log))
print("done", done)
