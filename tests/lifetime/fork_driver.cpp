// fork_driver: fork() while another thread is inside a transaction
// (docs/lifetime.md), run by check_lifetime.cmake under each path.
//
// A worker thread runs long transactions without pause on the path the
// environment chose: each adds 1 to every one of kWords words, so that
// "all words equal" holds between transactions.  Meanwhile the main thread
// forks kForks times.  Each child, where only the forking thread exists,
// checks the invariant (the memory it inherited is a state between
// transactions), then runs transactions on every path (software, serial,
// the RTM model, and the environment's) from two new threads and its own,
// checks the invariant again and exits 0.  An alarm ends a child that
// hangs; the parent fails unless every child exited 0.  Prints
// "fork_driver: ok" on success.
//
// `fork_driver one-thread`: the children start no threads (ThreadSanitizer
// cannot follow threads started after a multi-threaded fork).
#include <hytm/hytm.hpp>
#include <hytm/testing.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kWords = 256;
constexpr int kForks = 12;
long g_words[kWords];

void add_to_all() {
  hytm::atomic([&](auto& tx) {
    for (long& w : g_words) tx.store(w, tx.load(w) + 1);
  });
}

// True if every word is equal, read in one transaction.
bool consistent() {
  return hytm::atomic([&](auto& tx) {
    const long first = tx.load(g_words[0]);
    for (long& w : g_words)
      if (tx.load(w) != first) return false;
    return true;
  });
}

bool g_child_threads = true;

int child() {
  alarm(20);  // a hang ends the child with SIGALRM
  if (!consistent()) {
    std::printf("fork_driver: child inherited a half-done transaction\n");
    return 3;
  }
  const hytm::testing::mode env = hytm::testing::current_mode();
  const hytm::testing::mode modes[] = {
      {hytm::htm_mode::off, hytm::stm_algorithm::norec},
      {hytm::htm_mode::off, hytm::stm_algorithm::off},
      {hytm::htm_mode::emulated, hytm::stm_algorithm::norec},
      env,
  };
  for (const auto& m : modes) {
    hytm::testing::set_mode(m);  // no other thread runs a transaction now
    std::vector<std::thread> pool;
    for (int t = 0; t < (g_child_threads ? 2 : 0); ++t)
      pool.emplace_back([] {
        for (int i = 0; i < 50; ++i) add_to_all();
      });
    for (int i = 0; i < 50; ++i) add_to_all();
    for (auto& th : pool) th.join();
    if (!consistent()) {
      std::printf("fork_driver: child's transactions are not atomic\n");
      return 4;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  g_child_threads = !(argc > 1 && std::string(argv[1]) == "one-thread");
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::thread worker([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      add_to_all();
      done.fetch_add(1, std::memory_order_relaxed);
    }
  });
  int failures = 0;
  for (int f = 0; f < kForks; ++f) {
    // Let the worker get into a transaction.
    const long before = done.load();
    while (done.load() == before) std::this_thread::yield();
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      return 1;
    }
    if (pid == 0) {
      const int rc = child();
      std::fflush(stdout);
      _exit(rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++failures;
      if (WIFSIGNALED(status))
        std::printf("fork_driver: child %d ended by signal %d%s\n", f, WTERMSIG(status),
                    WTERMSIG(status) == SIGALRM ? " (it hung)" : "");
      else
        std::printf("fork_driver: child %d exited with %d\n", f, WEXITSTATUS(status));
    }
  }
  stop.store(true);
  worker.join();
  if (!consistent()) {
    std::printf("fork_driver: the parent's words are not all equal\n");
    return 1;
  }
  std::printf("fork_driver: %s: %d forks, %d failed, worker ran %ld transactions (htm=%s stm=%s)\n",
              failures ? "FAILED" : "ok", kForks, failures, done.load(), hytm::machine().htm,
              hytm::machine().stm);
  return failures ? 1 : 0;
}
