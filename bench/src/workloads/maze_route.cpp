#include "maze_route.hpp"

namespace hytm_bench {

int maze_route(const maze_geometry& g, int src, int dst, maze_scratch& s) {
    s.path.clear();
    if (s.grid[static_cast<std::size_t>(src)] != 0 || s.grid[static_cast<std::size_t>(dst)] != 0) return 0;
    s.distance.assign(static_cast<std::size_t>(g.cells()), -1);
    s.queue.clear();
    s.queue.push_back(src);
    s.distance[static_cast<std::size_t>(src)] = 0;
    for (std::size_t head = 0; head < s.queue.size() && s.distance[static_cast<std::size_t>(dst)] < 0; ++head) {
        int c = s.queue[head];
        int next = s.distance[static_cast<std::size_t>(c)] + 1;
        for_each_neighbour(g, c, [&](int n) {
            auto i = static_cast<std::size_t>(n);
            if (s.distance[i] < 0 && s.grid[i] == 0) {
                s.distance[i] = next;
                s.queue.push_back(n);
            }
        });
    }
    if (s.distance[static_cast<std::size_t>(dst)] < 0) return 0;
    // Walk back from dst along strictly decreasing distances.
    int c = dst;
    s.path.push_back(c);
    while (c != src) {
        int want = s.distance[static_cast<std::size_t>(c)] - 1;
        int step = -1;
        for_each_neighbour(g, c, [&](int n) {
            if (step < 0 && s.distance[static_cast<std::size_t>(n)] == want) step = n;
        });
        c = step;
        s.path.push_back(c);
    }
    return static_cast<int>(s.path.size());
}

}  // namespace hytm_bench
