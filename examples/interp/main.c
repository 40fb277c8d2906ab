/* main.c: hytm-interp --gil|--tm [--threads N] [--slice N] [--switch US] [--stats] PROGRAM [ARGS] */
#include "heap.h"
#include "stats_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    fputs("usage: hytm-interp --gil|--tm [--threads N] [--slice N] [--switch US] [--stats] PROGRAM [ARGS]\n"
          "  --gil        run interpreter threads under one global lock\n"
          "  --tm         run them as hytm transactions\n"
          "  --threads N  worker threads the program may start (it reads nthreads(); default 1)\n"
          "  --slice N    bytecodes per transaction, or between checks whether to hand the\n"
          "               GIL over (default 10000)\n"
          "  --switch US  the GIL's switch interval: a holder hands it over to a waiting\n"
          "               thread once it has held it this long (default 5000 us; 0: at every\n"
          "               slice end)\n"
          "  --restart-every N  (testing) restart every Nth transaction attempt once\n"
          "  --stats      print the interpreter's and hytm's statistics on standard error\n",
          stderr);
    exit(64);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf)
        buf[len] = 0;
    return buf;
}

static int describe_object(void *vm, uintptr_t a, char *buf, size_t n)
{
    return describe_address(vm, a, buf, n);
}

/* An option's number in [min, 2^20], or usage(). */
static int number(const char *s, long min)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || v < min || v > 1 << 20)
        usage();
    return (int)v;
}

static int positive(const char *s) { return number(s, 1); }

int main(int argc, char **argv)
{
    int mode = -1, nthreads = 1, slice = 10000, restart_every = 0, stats = 0, i = 1;
    long switch_us = 5000;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (!strcmp(argv[i], "--gil"))
            mode = MODE_GIL;
        else if (!strcmp(argv[i], "--tm"))
            mode = MODE_TM;
        else if (!strcmp(argv[i], "--threads"))
            nthreads = positive(i + 1 < argc ? argv[++i] : NULL);
        else if (!strcmp(argv[i], "--slice"))
            slice = positive(i + 1 < argc ? argv[++i] : NULL);
        else if (!strcmp(argv[i], "--restart-every"))
            restart_every = positive(i + 1 < argc ? argv[++i] : NULL);
        else if (!strcmp(argv[i], "--switch"))
            switch_us = number(i + 1 < argc ? argv[++i] : NULL, 0);
        else if (!strcmp(argv[i], "--stats"))
            stats = 1;
        else
            usage();
    }
    if (mode < 0 || i == argc)
        usage();
    const char *path = argv[i];
    char *source = read_file(path);
    if (!source) {
        perror(path);
        return 66;
    }
    program *prog = compile_program(path, source);
    free(source);
    if (!prog)
        return 65;
    interp *vm = interp_new(prog, (enum mode)mode, nthreads, slice, restart_every, argc - i - 1,
                            argv + i + 1);
    if (!vm) {
        fputs("hytm-interp: out of memory\n", stderr);
        return 70;
    }
    vm->switch_ns = (uint64_t)switch_us * 1000u;
    uint64_t counters[3];
    interp_run(vm, counters);
    fflush(stdout);
    if (stats) {
        fprintf(stderr,
                "hytm-interp: mode %s, slice %d: %llu slices committed, %llu restarted, "
                "%llu bytecodes committed\n",
                mode == MODE_TM ? "tm" : "gil", slice, (unsigned long long)counters[0],
                (unsigned long long)counters[1], (unsigned long long)counters[2]);
        print_stats_report(stderr, describe_object, vm);
    }
    interp_free(vm);
    free_program(prog);
    return 0;
}
