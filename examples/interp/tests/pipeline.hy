# Two queues between three kinds of thread: the main thread produces,
# workers square, the main thread collects.  Workers block on an empty
# queue and wake on a put; nil tells a worker to stop.
fn square(inq, outq) {
    while true {
        var x = take(inq)
        if x == nil {
            put(outq, nil)
            return 0
        }
        put(outq, [x, x * x])
    }
}

# A thread that starts a thread: its result comes back through two joins.
fn fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
fn fib_in_child(n) { return join(spawn fib(n)) }

var n = arg(0, 3000)
var inq = queue()
var outq = queue()
var w = 0
while w < nthreads() {
    spawn square(inq, outq)
    w = w + 1
}
var helper = spawn fib_in_child(18)
var i = 1
while i <= n {
    put(inq, i)
    i = i + 1
}
w = 0
while w < nthreads() {
    put(inq, nil)
    w = w + 1
}
var sum = 0
var count = 0
var stopped = 0
while stopped < nthreads() {
    var r = take(outq)
    if r == nil {
        stopped = stopped + 1
    } else {
        if r[1] != r[0] * r[0] { print("wrong square", r) }
        sum = sum + r[1]
        count = count + 1
    }
}
print("squares", count, sum, sum == n * (n + 1) * (2 * n + 1) / 6)
print("fib", join(helper))
