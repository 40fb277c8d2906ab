# The language itself: every construct, with output fixed in basics.out.
fn fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}

fn classify(n) {
    if n < 0 { return "negative" } else if n == 0 { return "zero" } else { return "positive" }
}

fn sum_to(n) {
    var total = 0
    var i = 1
    while true {
        if i > n { break }
        if i % 2 == 0 { i = i + 1; continue }
        total = total + i
        i = i + 1
    }
    return total   # odd numbers only
}

fn nothing() { }

print("fib", fib(20))
print(classify(-3), classify(0), classify(8))
print("odd sum", sum_to(100))
print("arith", 7 + 3 * 2, (7 + 3) * 2, -7 / 2, -7 % 2, 9223372036854775 * 100)
print("compare", 1 < 2, 2 <= 1, 3 == 3, 3 != 3, "ab" == "ab", "ab" == "ba")
print("logic", 1 and 2, 0 and 2, 0 or 3, nil or 0, not 1, not nil)
print("nil", nothing(), nil == nil)

var xs = [1, 2, [3, 4]]
push(xs, "five")
xs[0] = xs[0] + 10
xs[2][1] = 40
print("list", xs, len(xs), xs[2][1])
print("pop", pop(xs), xs)
var grid = list(3, 0)
grid[1] = list(2, 7)
print("grid", grid, len(list(0)))
print("identity", xs == xs, [1] == [1])

var q = queue()
put(q, 1)
put(q, [2, 3])
print("queue", take(q), take(q))

var shadow = 1
if true {
    var shadow = 2
    print("inner", shadow)
}
print("outer", shadow)
print("args", arg(0, 42), arg(5), nthreads() > 0)
