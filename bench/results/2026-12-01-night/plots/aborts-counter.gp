set terminal svg size 800,500 dynamic noenhanced font 'sans,11'
set output "bench/results/2026-12-01-night/plots/aborts-counter.svg"
set title "counter: aborts per commit by cause (hytm configuration:path)"
set key outside right top
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid y
set xtics rotate by -30
set ylabel 'aborts per commit'
plot for [i=2:2] "bench/results/2026-12-01-night/plots/aborts-counter.dat" using i:xtic(1) title columnheader(i)
