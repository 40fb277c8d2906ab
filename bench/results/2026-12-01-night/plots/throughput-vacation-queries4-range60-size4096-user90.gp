set terminal svg size 800,500 dynamic noenhanced font 'sans,11'
set output "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.svg"
set title "vacation queries=4 range=60 size=4096 user=90"
set key outside right top
set datafile missing '?'
set xlabel 'threads'
set ylabel 'operations per second'
set logscale y
set grid
set xtics 1
set xrange [0.5:2.5]
plot \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:2 with linespoints lc rgb '#000000' lw 1.5 dt 2 pt 7 title columnheader(2), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:3 with linespoints lc rgb '#e41a1c' lw 1.5 dt 2 pt 7 title columnheader(3), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:4 with linespoints lc rgb '#377eb8' lw 1.5 dt 2 pt 7 title columnheader(4), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:5 with linespoints lc rgb '#4daf4a' lw 1.5 dt 2 pt 7 title columnheader(5), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:6 with linespoints lc rgb '#984ea3' lw 1.5 dt 2 pt 7 title columnheader(6), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:7 with linespoints lc rgb '#ff7f00' lw 1.5 dt 2 pt 7 title columnheader(7), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:8 with linespoints lc rgb '#a65628' lw 1.5 dt 2 pt 7 title columnheader(8), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:9 with linespoints lc rgb '#f781bf' lw 3 dt 1 pt 7 title columnheader(9), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:10 with linespoints lc rgb '#999999' lw 3 dt 1 pt 7 title columnheader(10), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:11 with linespoints lc rgb '#66c2a5' lw 3 dt 1 pt 7 title columnheader(11), \
  "bench/results/2026-12-01-night/plots/throughput-vacation-queries4-range60-size4096-user90.dat" using 1:12 with linespoints lc rgb '#b8860b' lw 3 dt 1 pt 7 title columnheader(12)
