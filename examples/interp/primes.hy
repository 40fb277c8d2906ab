# Counts the primes below a bound, the way a threaded script would:
# trial division, ranges handed to workers through a shared queue.
#
#   hytm-interp --gil|--tm --threads N primes.hy [LIMIT [CHUNK]]

fn is_prime(n) {
    if n < 2 { return false }
    var d = 2
    while d * d <= n {
        if n % d == 0 { return false }
        d = d + 1
    }
    return true
}

# Takes range starts from the queue until it gets -1; returns its count.
fn worker(jobs, chunk, limit) {
    var count = 0
    while true {
        var lo = take(jobs)
        if lo < 0 { return count }
        var n = lo
        while n < lo + chunk and n < limit {
            if is_prime(n) { count = count + 1 }
            n = n + 1
        }
    }
}

var limit = arg(0, 800000)
var chunk = arg(1, 2000)
var jobs = queue()
var workers = []
var w = 0
while w < nthreads() {
    push(workers, spawn worker(jobs, chunk, limit))
    w = w + 1
}
var lo = 0
while lo < limit {
    put(jobs, lo)
    lo = lo + chunk
}
w = 0
while w < nthreads() {
    put(jobs, -1)
    w = w + 1
}
var total = 0
w = 0
while w < nthreads() {
    total = total + join(workers[w])
    w = w + 1
}
print("primes below", limit, ":", total)
