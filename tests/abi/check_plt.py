#!/usr/bin/env python3
"""check_plt.py: static checks that no hardware transaction leaves through a PLT.

  check_plt.py [--objdump P] [--readelf P] bind-now LIBRARY
  check_plt.py [--objdump P] [--readelf P] regions --library LIBHYTM [--pending FILE] BINARY...
  check_plt.py [--objdump P] [--readelf P] selftest --bad BAD.so --good GOOD.so

Why: a call through a PLT slot that is not bound yet runs the dynamic linker's resolver.  Inside
an RTM region the resolver aborts the transaction (status 0), and its write to the GOT is rolled
back with everything else, so the slot is never bound and every later hardware attempt aborts
the same way: the hardware path silently never commits (issue 10).  `-z now` on libhytm binds
its own slots at load, but a program or a plugin that calls into libhytm is lazily bound unless
its own author links it with `-z now`.  So the rule is structural:

  bind-now  LIBRARY has BIND_NOW (readelf -d FLAGS / FLAGS_1 NOW), and none of its PLT slots
            (JUMP_SLOT relocations) names a function that LIBRARY itself defines: its internal
            calls are bound inside it (-Bsymbolic-functions / hidden visibility).
  regions   in every BINARY and in LIBHYTM,
    R1  no call or jump through a PLT is reachable inside an RTM region: from the instruction
        after each xbegin, following jumps, direct calls into the same binary, and (when a
        function returns while still in the region, like an out-of-line begin()) the code after
        its direct call sites, up to an xend or xabort;
    R2  no RTM instruction (xbegin, xend, xabort) is reached through a PLT: no binary calls,
        through a PLT slot, a function that contains one.  An out-of-line htm::end() or
        htm::abort<C>() behind a PLT is how a region in user code ends up in the resolver.
  Indirect calls (the C API calls the user's body through a pointer) and indirect jumps are not
  followed: the body's own code is checked where it is compiled.
"""
import argparse
import collections
import fnmatch
import re
import subprocess
import sys

RTM = ("xbegin", "xend", "xabort")
# Calls that never return and end the attempt whatever they do: an error that stops the program
# (misuse), a C++ throw (which aborts a region on its way), or the model's and the scripted
# test mode's aborts (reached only outside real regions).  The walk stops at them, and one made
# through a PLT is not a finding: if a region gets there, its status-0 abort is the end of an
# attempt that was ending anyway, and the re-run outside the region reports the error.  Without
# this, the walk would fall through a noreturn call into whatever code the compiler placed next.
NORETURN = ("hytm::detail::misuse(*", "hytm::detail::escaped_tx(*", "hytm::detail::throw_abort(*",
            "hytm::detail::model_abort(*", "hytm::detail::c_restart(*",
            "hytm::detail::unlogged_store(*",
            "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume", "std::terminate(*", "abort",
            "__stack_chk_fail", "std::__throw_*", "__assert_fail", "siglongjmp", "longjmp",
            "__longjmp_chk")


# Test code that a region may reach only when an assertion fails (GoogleTest's reporting): not
# followed.  A test body's own failure path is the user's body, not the engine's code.
NOT_FOLLOWED = ("testing::*",)


def noreturn(name):
    base = name.split("@")[0] if name else ""
    return any(fnmatch.fnmatchcase(base, pat) for pat in NORETURN + NOT_FOLLOWED)
MAX_SHOWN = 25
FUNC_RE = re.compile(r"^([0-9a-f]+) <(.+)>:$")
INSN_RE = re.compile(r"^\s*([0-9a-f]+):\s+(.*)$")
TARGET_RE = re.compile(r"^([0-9a-f]+) <([^>]+)>")
PREFIXES = ("notrack", "bnd", "rep", "repz", "repnz", "lock", "data16", "cs", "ds")


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"check_plt: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def demangle(names):
    names = list(names)
    if not names:
        return {}
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), stdout=subprocess.PIPE,
                             text=True, check=True).stdout.split("\n")
        return dict(zip(names, out))
    except (OSError, subprocess.CalledProcessError):
        return {n: n for n in names}


class Insn:
    __slots__ = ("addr", "mnem", "ops", "target", "target_name", "func")

    def __init__(self, addr, mnem, ops, func):
        self.addr, self.mnem, self.ops, self.func = addr, mnem, ops, func
        self.target, self.target_name = None, None
        m = TARGET_RE.match(ops)
        if m:
            self.target, self.target_name = int(m.group(1), 16), m.group(2)

    def is_call(self):
        return self.mnem.startswith("call")

    def is_jump(self):
        return self.mnem.startswith("j")

    def is_uncond_jump(self):
        return self.mnem in ("jmp", "jmpq")

    def indirect(self):
        return self.ops.startswith("*")

    def plt(self):
        return self.target_name is not None and self.target_name.endswith("@plt")

    def plt_symbol(self):
        return self.target_name[:-4].split("@")[0]


class Binary:
    def __init__(self, path, objdump, readelf):
        self.path, self.readelf, self._exported = path, readelf, None
        self.insns = []          # in address order
        self.index = {}          # address -> position in insns
        self.funcs = {}          # name -> start address (first definition)
        self.func_insns = collections.defaultdict(list)
        self.callers = collections.defaultdict(list)  # function start -> [call insn positions]
        func = None
        for line in run([objdump, "-d", "-w", "--no-show-raw-insn", path]).splitlines():
            m = FUNC_RE.match(line)
            if m:
                func = m.group(2)
                self.funcs.setdefault(func, int(m.group(1), 16))
                continue
            m = INSN_RE.match(line)
            if not m or func is None:
                continue
            words = m.group(2).split(None, 1)
            if not words or words[0].startswith("("):
                continue
            mnem, ops = words[0], words[1] if len(words) > 1 else ""
            while mnem in PREFIXES and ops:
                parts = ops.split(None, 1)
                mnem, ops = parts[0], parts[1] if len(parts) > 1 else ""
            insn = Insn(int(m.group(1), 16), mnem, ops.strip(), func)
            self.index[insn.addr] = len(self.insns)
            self.insns.append(insn)
            self.func_insns[func].append(insn)
        self.starts = set(self.funcs.values())
        # Call and jump targets, demangled once (for the NORETURN list).
        raw = {i.target_name.split("@")[0] for i in self.insns
               if i.target_name and (i.is_call() or i.is_jump()) and "+" not in i.target_name}
        self._names = demangle(sorted(raw))
        for i, insn in enumerate(self.insns):
            if insn.is_call() and insn.target in self.starts:
                self.callers[insn.target].append(i)

    def demangled(self, insn):
        base = insn.target_name.split("@")[0]
        return self._names.get(base, base)

    def func_start(self, insn):
        return self.funcs.get(insn.func)

    def rtm_functions(self):
        """Names (without @plt) of the functions that contain an RTM instruction."""
        return {f for f, body in self.func_insns.items()
                if not f.endswith("@plt") and any(i.mnem in RTM for i in body)}

    def plt_calls(self):
        return [i for i in self.insns if (i.is_call() or i.is_jump()) and i.plt()
                and not i.func.endswith("@plt")]

    def ends_region(self, insn):
        """A direct call to a function of this binary that executes xend (htm::end())."""
        return any(i.mnem == "xend" for i in self.func_insns.get(insn.target_name or "", ()))

    def walk(self, first, pending, plt_ends):
        """Walks one region from position `first`.

        Returns (PLT call insns reached, functions that return while in the region).
        `pending`: the status of xbegin (-1 when started) is still in %eax, so the first
        `cmp $0xffffffff,%eax` + je/jne takes only its "started" branch.  `plt_ends`: symbols
        that end the region when called (they execute xend).
        Depth-first over (position, top, pending): `top` is the frame that holds the region's
        start (or a caller it returned into); a frame entered through a followed call returns to
        its call site, whose continuation is already on the stack.  A call to a function that
        executes xend ends the region (the conservative reading of a conditional xend would flag
        every commit epilogue).
        """
        seen, stack, bad, returns = set(), [(first, True, pending, False)], [], set()
        while stack:
            pos, top, pend, armed = stack.pop()
            key = (pos, top, pend, armed)
            if key in seen or pos >= len(self.insns):
                continue
            seen.add(key)
            insn = self.insns[pos]
            if insn.func.endswith("@plt"):
                continue
            m = insn.mnem
            if m in ("xend", "xabort", "ud2", "hlt"):
                continue
            if m.startswith("ret"):
                if top:
                    returns.add(insn.func)
                continue
            if insn.is_call():
                if insn.target_name and noreturn(self.demangled(insn)):
                    continue
                if insn.plt():
                    bad.append(insn)
                    if insn.plt_symbol() in plt_ends:
                        continue
                elif not insn.indirect() and insn.target in self.index:
                    if self.ends_region(insn):
                        continue
                    stack.append((self.index[insn.target], False, False, False))
                stack.append((pos + 1, top, False, False))
                continue
            if insn.is_jump():
                if insn.target_name and noreturn(self.demangled(insn)):
                    continue
                if insn.plt():
                    bad.append(insn)
                    continue
                taken = not insn.indirect() and insn.target in self.index
                fall = not insn.is_uncond_jump()
                if armed and m in ("je", "jz"):
                    fall = False
                elif armed and m in ("jne", "jnz"):
                    taken = False
                if taken:
                    stack.append((self.index[insn.target], top, False, False))
                if fall:
                    stack.append((pos + 1, top, False, False))
                continue
            if pend and m.startswith("cmp") and insn.ops.replace(" ", "") == "$0xffffffff,%eax":
                stack.append((pos + 1, top, False, True))
                continue
            # Instructions that leave the flags alone keep an armed compare armed; anything
            # that writes %eax ends the wait for the status compare.
            writes_eax = insn.ops.endswith("%eax") or insn.ops.endswith("%rax")
            keep_armed = armed and m.startswith(("mov", "lea", "nop", "endbr"))
            stack.append((pos + 1, top, pend and not writes_eax, keep_armed))
        return bad, returns

    def exported(self):
        """Names of the functions this binary exports (its dynamic symbol table)."""
        if self._exported is None:
            out = run([self.readelf, "--dyn-syms", "-W", self.path])
            self._exported = {c[7].split("@")[0] for c in (l.split() for l in out.splitlines())
                              if len(c) >= 8 and c[3] == "FUNC" and c[6] != "UND"}
        return self._exported

    def region_violations(self, plt_ends):
        """R1 for every xbegin of this binary; R3 for its exported functions.

        Returns (list of (start description, bad insn)), and the exported functions that
        return while their region runs.  A hidden function that returns inside a region (a
        local begin()) carries the region into the code after its direct call sites, which is
        walked as well.
        """
        found, leaking, expanded = [], set(), set()
        starts = [(i + 1, f"the xbegin at {insn.addr:#x} in {insn.func}")
                  for i, insn in enumerate(self.insns) if insn.mnem == "xbegin"]
        done = set()
        while starts:
            pos, what = starts.pop()
            if pos in done:
                continue
            done.add(pos)
            bad, returns = self.walk(pos, True, plt_ends)
            found.extend((what, b) for b in bad)
            for f in returns:
                if f in self.exported():
                    leaking.add(f)
                elif f not in expanded:
                    expanded.add(f)
                    start = self.funcs.get(f)
                    starts.extend((c + 1, f"the return of {f}, still inside the region, to "
                                   f"{self.insns[c].func}") for c in self.callers.get(start, ()))
        return found, leaking


def load_pending(path):
    """(rule, pattern) pairs of findings that a known, scheduled change removes."""
    if not path:
        return []
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                rule, pattern = line.split(None, 1)
                out.append((rule, pattern))
    return out


def bind_now(args):
    lib = args.library
    dyn = run([args.readelf, "-dW", lib])
    flags = [l for l in dyn.splitlines() if "(FLAGS" in l]
    errors = []
    if not any("BIND_NOW" in l or re.search(r"\bNOW\b", l) for l in flags):
        errors.append(f"{lib} is not linked with -z now (readelf -d shows no BIND_NOW): a call "
                      "through a PLT slot not yet bound inside an RTM region runs the resolver, "
                      "which aborts the transaction, every time")
    defined = set()
    for line in run([args.readelf, "--dyn-syms", "-W", lib]).splitlines():
        cols = line.split()
        if len(cols) >= 8 and cols[3] == "FUNC" and cols[6] != "UND":
            defined.add(cols[7].split("@")[0])
    own = []
    for line in run([args.readelf, "-rW", lib]).splitlines():
        cols = line.split()
        if len(cols) >= 5 and "JUMP_SLOT" in cols[2]:
            sym = cols[4].split("@")[0]
            if sym in defined:
                own.append(sym)
    if own:
        names = demangle(own)
        errors.append(f"{lib} calls {len(own)} of its own exported functions through its PLT "
                      "(link with -Bsymbolic-functions, or give them hidden visibility):\n    " +
                      "\n    ".join(sorted(names[s] for s in own)))
    if errors:
        sys.exit("abi.bind_now: FAILED\n  " + "\n  ".join(errors))
    print(f"abi.bind_now: {lib}: BIND_NOW, no PLT slot for its own {len(defined)} "
          "exported functions")


def regions(args):
    paths = [args.library] + args.binaries
    bins = [Binary(p, args.objdump, args.readelf) for p in paths]
    rtm_funcs, plt_ends = set(), set()
    for b in bins:
        rtm_funcs |= b.rtm_functions()
        plt_ends |= {f for f, body in b.func_insns.items() if any(i.mnem == "xend" for i in body)}
    report, names = [], set()
    for b in bins:
        n_xbegin = sum(1 for i in b.insns if i.mnem == "xbegin")
        r1, leaking = b.region_violations(plt_ends)
        r2 = [i for i in b.plt_calls() if i.plt_symbol() in rtm_funcs]
        print(f"{b.path}: {n_xbegin} xbegin, {len(r1)} PLT calls reachable in a region, "
              f"{len(r2)} PLT calls to a function with an RTM instruction, "
              f"{len(leaking)} exported functions returning inside a region")
        for what, bad in r1:
            report.append((b.path, "R1", bad.func, bad.plt_symbol(), "from " + what))
            names |= {bad.func, bad.plt_symbol()} | set(what.split(" "))
        for bad in r2:
            report.append((b.path, "R2", bad.func, bad.plt_symbol(), ""))
            names |= {bad.func, bad.plt_symbol()}
        for f in sorted(leaking):
            report.append((b.path, "R3", f, "", ""))
            names.add(f)
    dm = demangle(sorted(names))
    pending = load_pending(args.pending)
    used = set()
    seen, lines, deferred = set(), [], collections.Counter()
    for path, rule, func, sym, note in report:
        key = (path, rule, func, sym)
        if key in seen:
            continue
        seen.add(key)
        subject = dm.get(sym, sym) if rule != "R3" else dm.get(func, func)
        hit = next((p for p in pending if p[0] == rule and fnmatch.fnmatchcase(subject, p[1])),
                   None)
        if not hit and rule == "R1" and " in " in note:
            # "R1-from FUNC": every R1 finding of a region that begins in FUNC (a known false
            # positive of the path-insensitive walk, named once rather than per PLT target).
            origin = note.rsplit(" in ", 1)[1]
            origin = dm.get(origin, origin)
            hit = next((p for p in pending
                        if p[0] == "R1-from" and fnmatch.fnmatchcase(origin, p[1])), None)
            if hit:
                subject = "regions from " + origin
        if hit:
            used.add(hit)
            deferred[(rule, subject)] += 1
            continue
        note = " ".join(dm.get(w, w) for w in note.split(" ")) if note else ""
        if rule == "R3":
            lines.append(f"  [R3] {path}\n      {dm.get(func, func)}\n      is exported and "
                         "returns while its RTM region runs: its callers in other binaries run "
                         "in the region and reach libhytm again only through their PLT")
            continue
        what = ("calls through its PLT inside an RTM region" if rule == "R1" else
                "reaches an RTM instruction through a PLT slot")
        lines.append(f"  [{rule}] {path}\n      {dm.get(func, func)}\n      {what}: "
                     f"{dm.get(sym, sym)}@plt" + (f"\n      ({note})" if note else ""))
    for (rule, subject), n in sorted(deferred.items()):
        print(f"pending ({args.pending}): [{rule}] {subject}: {n} findings")
    for rule, pattern in pending:
        if (rule, pattern) not in used:
            lines.append(f"  [{rule}] {pattern}: listed in {args.pending} but no longer found: "
                         "delete the line, so that it cannot come back unnoticed")
    if not lines:
        print("abi.no_plt_in_region: ok" + (" (apart from the pending findings above)"
                                            if deferred else ""))
        return
    shown = lines[:MAX_SHOWN]
    if len(lines) > MAX_SHOWN:
        shown.append(f"  ... and {len(lines) - MAX_SHOWN} more of the same kinds")
    sys.exit(f"abi.no_plt_in_region: FAILED ({len(lines)} findings)\n" + "\n".join(shown) + "\n"
             "The rule: between xbegin and xend nothing may go through a PLT slot, and no RTM "
             "instruction may sit behind one.  A lazily bound slot runs the dynamic linker's "
             "resolver on first use; inside a hardware transaction that aborts it (status 0) and "
             "the GOT update is rolled back, so the slot is never bound and the hardware path "
             "never commits.  Make the RTM instructions always-inline code in the headers, keep "
             "calls out of the region (before xbegin or after xend), and bind libhytm's own "
             "calls inside it (hidden visibility, -Bsymbolic-functions, -z now).")


def selftest(args):
    """The checker finds each planted fault in BAD and nothing in GOOD."""
    errors = []
    for path, expect in ((args.bad, ("[R1]", "puts@plt", "[R2]", "abi_selftest_end@plt",
                                     "[R3]", "abi_selftest_begin")),
                         (args.good, ())):
        cmd = [sys.executable, __file__, "--objdump", args.objdump, "--readelf", args.readelf,
               "regions", "--library", path]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(p.stdout)
        if expect and p.returncode == 0:
            errors.append(f"{path}: the planted faults were not found")
        if not expect and p.returncode != 0:
            errors.append(f"{path}: findings in code that follows the rules")
        errors += [f"{path}: no '{e}' in the report" for e in expect if e not in p.stdout]
    if errors:
        sys.exit("abi.check_plt_selftest: FAILED\n  " + "\n  ".join(errors))
    print("abi.check_plt_selftest: ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--objdump", default="objdump")
    ap.add_argument("--readelf", default="readelf")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bind-now")
    b.add_argument("library")
    r = sub.add_parser("regions")
    r.add_argument("--library", required=True)
    r.add_argument("--pending", help="file of findings to report but not fail on")
    r.add_argument("binaries", nargs="*")
    t = sub.add_parser("selftest")
    t.add_argument("--bad", required=True)
    t.add_argument("--good", required=True)
    args = ap.parse_args()
    {"bind-now": bind_now, "regions": regions, "selftest": selftest}[args.cmd](args)


if __name__ == "__main__":
    main()
