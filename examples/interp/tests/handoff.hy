# A thread that waits by spinning on a global another thread sets: under the
# GIL the spinner must hand the lock over (after its switch interval) or the
# setter never runs; under transactions the spinner must see the setter's
# commit.
fn setter(rounds) {
    var i = 0
    while i < rounds {
        i = i + 1
    }
    flag = 1
    return i
}

var flag = 0
var t = spawn setter(arg(0, 100000))
var spins = 0
while flag == 0 {
    spins = spins + 1
}
print("flag", flag, "setter", join(t))
