// maze_route.hpp: the private half of a maze routing transaction: Lee's breadth-first expansion
// on a thread's own copy of the grid, then the trace back (maze.hpp holds the shared half).
#pragma once

#include <cstdint>
#include <vector>

#include "../tm_pure.hpp"

namespace hytm_bench {

struct maze_geometry {
    int x, y, z;
    int cells() const { return x * y * z; }
};

// One thread's private memory for routing, reused across transactions.
struct maze_scratch {
    std::vector<std::int32_t> grid;  // the copy of the shared grid
    std::vector<std::int32_t> distance;
    std::vector<int> queue;
    std::vector<int> path;  // cells from src to dst, filled by maze_route
};

// Finds a shortest path from src to dst through empty (zero) cells of s.grid, 6-connected.
// Returns its length in cells (src and dst included) with the cells in s.path, or 0 when there
// is none. Touches only s, so the libitm build may call it uninstrumented (transaction_pure).
HYTM_BENCH_TM_PURE int maze_route(const maze_geometry& g, int src, int dst, maze_scratch& s);

// Calls f(neighbour) for each in-grid 6-neighbour of cell c.
template <class F>
void for_each_neighbour(const maze_geometry& g, int c, F&& f) {
    int cx = c % g.x, cy = (c / g.x) % g.y, cz = c / (g.x * g.y);
    if (cx > 0) f(c - 1);
    if (cx + 1 < g.x) f(c + 1);
    if (cy > 0) f(c - g.x);
    if (cy + 1 < g.y) f(c + g.x);
    if (cz > 0) f(c - g.x * g.y);
    if (cz + 1 < g.z) f(c + g.x * g.y);
}

}  // namespace hytm_bench
