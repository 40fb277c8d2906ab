set terminal svg size 800,500 dynamic noenhanced font 'sans,11'
set output "bench/results/2026-12-01-night/plots/aborts-kmeans-clusters16-dims16-size2048.svg"
set title "kmeans clusters=16 dims=16 size=2048: aborts per commit by cause (hytm configuration:path)"
set key outside right top
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid y
set xtics rotate by -30
set ylabel 'aborts per commit'
plot for [i=2:3] "bench/results/2026-12-01-night/plots/aborts-kmeans-clusters16-dims16-size2048.dat" using i:xtic(1) title columnheader(i)
