// primes.hy written directly in C++: the same trial division, the same ranges
// handed out through a locked queue.  The limit the interpreter is measured
// against.
//
//   hytm-primes-native [--threads N] [LIMIT [CHUNK]]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace {

bool is_prime(long n)
{
    if (n < 2)
        return false;
    for (long d = 2; d * d <= n; d++)
        if (n % d == 0)
            return false;
    return true;
}

class range_queue {
public:
    void put(long lo)
    {
        std::lock_guard<std::mutex> g(m_);
        q_.push_back(lo);
    }
    // -1 once the queue is drained; the interpreted version blocks instead,
    // but here every range is queued before the workers start.
    long take()
    {
        std::lock_guard<std::mutex> g(m_);
        if (q_.empty())
            return -1;
        long lo = q_.front();
        q_.pop_front();
        return lo;
    }

private:
    std::mutex m_;
    std::deque<long> q_;
};

} // namespace

int main(int argc, char **argv)
{
    int threads = 1, i = 1;
    if (i + 1 < argc && !std::strcmp(argv[i], "--threads")) {
        threads = std::atoi(argv[i + 1]);
        i += 2;
    }
    long limit = i < argc ? std::atol(argv[i]) : 800000;
    long chunk = i + 1 < argc ? std::atol(argv[i + 1]) : 2000;
    if (threads < 1 || limit < 0 || chunk < 1) {
        std::fputs("usage: hytm-primes-native [--threads N] [LIMIT [CHUNK]]\n", stderr);
        return 64;
    }
    range_queue jobs;
    for (long lo = 0; lo < limit; lo += chunk)
        jobs.put(lo);
    std::vector<long> counts(threads);
    std::vector<std::thread> workers;
    for (int w = 0; w < threads; w++)
        workers.emplace_back([&, w] {
            long count = 0;
            for (long lo; (lo = jobs.take()) >= 0;)
                for (long n = lo; n < lo + chunk && n < limit; n++)
                    count += is_prime(n);
            counts[w] = count;
        });
    long total = 0;
    for (int w = 0; w < threads; w++) {
        workers[w].join();
        total += counts[w];
    }
    std::printf("primes below %ld : %ld\n", limit, total);
}
