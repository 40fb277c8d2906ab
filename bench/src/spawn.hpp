// spawn.hpp: starting a child process with a given environment and a pipe for its events.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hytm_bench {

struct child_process {
    pid_t pid = -1;
    int events_fd = -1;  // read end; the child writes to its fd 3
};

// The current environment minus `remove`, plus `add`.
std::vector<std::string> child_environment(const std::vector<std::string>& remove, const std::vector<std::pair<std::string, std::string>>& add);

// Starts argv[0] (searched in PATH when it has no slash). Throws std::runtime_error on failure.
child_process spawn_child(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// Waits for the child; returns a description of an abnormal end, or nothing for exit status 0.
std::optional<std::string> wait_child(pid_t pid);

// The absolute path of this executable, for re-executing it.
std::string self_executable();

// Whether `program` is found in PATH.
bool in_path(const std::string& program);

}  // namespace hytm_bench
