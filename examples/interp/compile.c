/*
 * compile.c: source text to bytecode, in one pass (plus a scan for the
 * names of functions and globals, so that they can be used before they are
 * defined).
 *
 * The language:
 *
 *   fn name(a, b) { ... }          top level only
 *   var x = expr                   a global at top level, else a block-scoped local
 *   x = expr   xs[i] = expr
 *   if c { ... } else if c { ... } else { ... }
 *   while c { ... }   break   continue   return [expr]
 *   expressions: integers, "strings", true false nil, [a, b], xs[i],
 *     f(args), spawn f(args), - not * / % + - == != < <= > >= and or
 *   builtins: print(...) take(q) join(t) len(xs) push(xs, v) pop(xs)
 *     list(n[, fill]) queue() put(q, v) arg(i[, default]) nthreads()
 *
 * Comments start with #.  Newlines are whitespace; `;` is optional.
 * Functions are not values: calls are bound when compiling, so calling one
 * reads no shared memory (a call through a global would put the global in
 * every transaction's read set).
 */
#include "interp.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok {
    T_EOF, T_INT, T_STRING, T_NAME,
    T_FN, T_VAR, T_IF, T_ELSE, T_WHILE, T_RETURN, T_BREAK, T_CONTINUE,
    T_AND, T_OR, T_NOT, T_TRUE, T_FALSE, T_NIL, T_SPAWN,
    T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACKET, T_RBRACKET,
    T_COMMA, T_SEMI, T_ASSIGN, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT,
};

static const char *const keywords[] = {
    [T_FN] = "fn", [T_VAR] = "var", [T_IF] = "if", [T_ELSE] = "else",
    [T_WHILE] = "while", [T_RETURN] = "return", [T_BREAK] = "break",
    [T_CONTINUE] = "continue", [T_AND] = "and", [T_OR] = "or", [T_NOT] = "not",
    [T_TRUE] = "true", [T_FALSE] = "false", [T_NIL] = "nil", [T_SPAWN] = "spawn",
};

typedef struct {
    enum tok kind;
    const char *start;
    int len, line;
    int64_t num;
} token;

typedef struct {
    const char *p;
    int line;
} lexer;

typedef struct {
    const char *name;
    int len, slot, depth;
} local;

typedef struct loop {
    int start;
    int breaks[64];
    int nbreaks;
    struct loop *outer;
} loop;

typedef struct {
    const char *path;
    lexer lx;
    token cur, prev;
    program *prog;
    function *fn;
    local locals[256];
    int nlocals, depth;
    loop *loop;
    int stack_depth;
    int lvalue_at; /* index of the load that ends the expression, or -1 */
    jmp_buf fail;
} compiler;

static _Noreturn __attribute__((format(printf, 3, 4))) void error_at(compiler *c, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: error: ", c->path, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    longjmp(c->fail, 1);
}
#define error(c, ...) error_at(c, (c)->cur.line, __VA_ARGS__)

static void *xrealloc(compiler *c, void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q)
        error(c, "out of memory");
    return q;
}

/* ------------------------------------------------------------------ */
/* Lexer */

static token lex(compiler *c, lexer *lx)
{
    for (;;) {
        while (isspace((unsigned char)*lx->p))
            if (*lx->p++ == '\n')
                lx->line++;
        if (*lx->p != '#')
            break;
        while (*lx->p && *lx->p != '\n')
            lx->p++;
    }
    token t = {.start = lx->p, .line = lx->line};
    const char *p = lx->p;
    if (!*p) {
        t.kind = T_EOF;
    } else if (isdigit((unsigned char)*p)) {
        t.kind = T_INT;
        while (isdigit((unsigned char)*p)) {
            if (t.num > (INT64_MAX >> 1) / 10)
                error_at(c, t.line, "integer literal too large");
            t.num = t.num * 10 + (*p++ - '0');
        }
    } else if (isalpha((unsigned char)*p) || *p == '_') {
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        t.kind = T_NAME;
        for (int k = T_FN; k <= T_SPAWN; k++)
            if ((size_t)(p - t.start) == strlen(keywords[k]) && !memcmp(t.start, keywords[k], (size_t)(p - t.start)))
                t.kind = (enum tok)k;
    } else if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (!*p || *p == '\n')
                error_at(c, t.line, "unterminated string");
            if (*p == '\\' && p[1])
                p++;
        }
        p++;
        t.kind = T_STRING;
    } else {
        static const struct { const char *s; enum tok k; } ops[] = {
            {"==", T_EQ}, {"!=", T_NE}, {"<=", T_LE}, {">=", T_GE}, {"<", T_LT}, {">", T_GT},
            {"(", T_LPAREN}, {")", T_RPAREN}, {"{", T_LBRACE}, {"}", T_RBRACE},
            {"[", T_LBRACKET}, {"]", T_RBRACKET}, {",", T_COMMA}, {";", T_SEMI},
            {"=", T_ASSIGN}, {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR},
            {"/", T_SLASH}, {"%", T_PERCENT},
        };
        size_t i = 0;
        while (i < sizeof ops / sizeof ops[0] && strncmp(p, ops[i].s, strlen(ops[i].s)))
            i++;
        if (i == sizeof ops / sizeof ops[0])
            error_at(c, t.line, "unexpected character '%c'", *p);
        t.kind = ops[i].k;
        p += strlen(ops[i].s);
    }
    t.len = (int)(p - t.start);
    lx->p = p;
    return t;
}

static void advance(compiler *c)
{
    c->prev = c->cur;
    c->cur = lex(c, &c->lx);
}

static int accept(compiler *c, enum tok k)
{
    if (c->cur.kind != k)
        return 0;
    advance(c);
    return 1;
}

static void expect(compiler *c, enum tok k, const char *what)
{
    if (!accept(c, k))
        error(c, "expected %s", what);
}

static int token_is(const token *t, const char *s)
{
    return (size_t)t->len == strlen(s) && !memcmp(t->start, s, (size_t)t->len);
}

static char *token_text(compiler *c, const token *t)
{
    char *s = xrealloc(c, NULL, (size_t)t->len + 1);
    memcpy(s, t->start, (size_t)t->len);
    s[t->len] = 0;
    return s;
}

/* ------------------------------------------------------------------ */
/* Names */

static int find_function(program *p, const token *t)
{
    for (int i = 1; i < p->nfns; i++)
        if (token_is(t, p->fns[i]->name))
            return i;
    return -1;
}

static int find_global(program *p, const token *t)
{
    for (int i = 0; i < p->nglobals; i++)
        if (token_is(t, p->globals[i]))
            return i;
    return -1;
}

static int find_builtin(const token *t)
{
    for (int i = 0; i < BI_COUNT; i++)
        if (token_is(t, builtins[i].name))
            return i;
    return -1;
}

static int find_local(compiler *c, const token *t)
{
    for (int i = c->nlocals - 1; i >= 0; i--)
        if (c->locals[i].len == t->len && !memcmp(c->locals[i].name, t->start, (size_t)t->len))
            return c->locals[i].slot;
    return -1;
}

static function *new_function(compiler *c, const char *name)
{
    function *fn = xrealloc(c, NULL, sizeof *fn);
    *fn = (function){.name = name};
    const char *file = strrchr(c->path, '/') ? strrchr(c->path, '/') + 1 : c->path;
    size_t n = strlen(file) + strlen(name) + 2;
    char *site = xrealloc(c, NULL, n);
    snprintf(site, n, "%s:%s", file, name);
    fn->site = site;
    program *p = c->prog;
    p->fns = xrealloc(c, p->fns, (size_t)(p->nfns + 1) * sizeof *p->fns);
    p->fns[p->nfns++] = fn;
    return fn;
}

/* Declares the top-level functions (with their arity) and globals, so that
 * code can refer to them before their definition. */
static void declare_top_level(compiler *c)
{
    lexer lx = {.p = c->lx.p, .line = c->lx.line};
    int braces = 0;
    for (token t = lex(c, &lx); t.kind != T_EOF; t = lex(c, &lx)) {
        braces += (t.kind == T_LBRACE) - (t.kind == T_RBRACE);
        if (braces != 0 || (t.kind != T_FN && t.kind != T_VAR))
            continue;
        token name = lex(c, &lx);
        if (name.kind != T_NAME)
            continue; /* reported by the parser */
        if (find_function(c->prog, &name) >= 0 || find_global(c->prog, &name) >= 0 || find_builtin(&name) >= 0)
            error_at(c, name.line, "'%.*s' is already defined", name.len, name.start);
        if (t.kind == T_VAR) {
            program *p = c->prog;
            p->globals = xrealloc(c, p->globals, (size_t)(p->nglobals + 1) * sizeof *p->globals);
            p->globals[p->nglobals++] = token_text(c, &name);
            continue;
        }
        function *fn = new_function(c, token_text(c, &name));
        if (lex(c, &lx).kind != T_LPAREN)
            continue;
        for (token a = lex(c, &lx); a.kind == T_NAME; a = lex(c, &lx)) {
            fn->arity++;
            if (lex(c, &lx).kind != T_COMMA)
                break;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Code */

static int stack_effect(enum opcode op, int b)
{
    switch (op) {
    case OP_INT: case OP_CONST: case OP_NIL: case OP_LOAD_LOCAL: case OP_LOAD_GLOBAL:
        return 1;
    case OP_NEG: case OP_NOT: case OP_JUMP:
        return 0;
    case OP_CALL: case OP_LIST: case OP_BUILTIN: case OP_SPAWN:
        return 1 - b;
    case OP_SET_INDEX:
        return -3;
    default: /* stores, binary operators, conditional jumps (fall-through), pop, return */
        return -1;
    }
}

static int emit(compiler *c, enum opcode op, int a, int b)
{
    function *fn = c->fn;
    if (fn->ncode == fn->capcode) {
        fn->capcode = fn->capcode ? 2 * fn->capcode : 64;
        fn->code = xrealloc(c, fn->code, (size_t)fn->capcode * sizeof *fn->code);
        fn->lines = xrealloc(c, fn->lines, (size_t)fn->capcode * sizeof *fn->lines);
    }
    fn->code[fn->ncode] = (instr){.op = (uint8_t)op, .a = a, .b = b};
    fn->lines[fn->ncode] = c->prev.line;
    c->stack_depth += stack_effect(op, b);
    if (c->stack_depth > fn->max_stack)
        fn->max_stack = c->stack_depth;
    c->lvalue_at = -1;
    return fn->ncode++;
}

static void patch(compiler *c, int at) { c->fn->code[at].a = c->fn->ncode; }

static int add_const(compiler *c, value v)
{
    program *p = c->prog;
    p->consts = xrealloc(c, p->consts, (size_t)(p->nconsts + 1) * sizeof *p->consts);
    p->consts[p->nconsts] = v;
    return p->nconsts++;
}

static value string_const(compiler *c, const token *t)
{
    string_obj *s = xrealloc(c, NULL, sizeof *s + (size_t)t->len);
    s->h = (obj){.type = OBJ_STRING};
    size_t n = 0;
    for (const char *p = t->start + 1; p < t->start + t->len - 1; p++) {
        if (*p == '\\') {
            p++;
            s->chars[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        } else {
            s->chars[n++] = *p;
        }
    }
    s->chars[n] = 0;
    s->len = n;
    return (value)s;
}

/* ------------------------------------------------------------------ */
/* Expressions */

static void expression(compiler *c);

static int arguments(compiler *c, enum tok close)
{
    int n = 0;
    if (!accept(c, close)) {
        do {
            expression(c);
            n++;
        } while (accept(c, T_COMMA));
        expect(c, close, close == T_RPAREN ? "')'" : "']'");
    }
    return n;
}

static void call(compiler *c, const token *name, int spawn)
{
    int line = name->line;
    int b = find_builtin(name), f = find_function(c->prog, name);
    if (b >= 0 && !spawn) {
        int n = arguments(c, T_RPAREN);
        if (n < builtins[b].min_args || n > builtins[b].max_args)
            error_at(c, line, "wrong number of arguments to %s", builtins[b].name);
        emit(c, OP_BUILTIN, b, n);
        return;
    }
    if (f < 0)
        error_at(c, line, "unknown function '%.*s'", name->len, name->start);
    int n = arguments(c, T_RPAREN);
    if (n != c->prog->fns[f]->arity)
        error_at(c, line, "%s takes %d arguments, not %d", c->prog->fns[f]->name, c->prog->fns[f]->arity, n);
    emit(c, spawn ? OP_SPAWN : OP_CALL, f, n);
}

static void primary(compiler *c)
{
    token t = c->cur;
    advance(c);
    switch (t.kind) {
    case T_INT:
        if (t.num <= INT32_MAX)
            emit(c, OP_INT, (int32_t)t.num, 0);
        else
            emit(c, OP_CONST, add_const(c, int_val(t.num)), 0);
        break;
    case T_STRING: emit(c, OP_CONST, add_const(c, string_const(c, &t)), 0); break;
    case T_TRUE: emit(c, OP_INT, 1, 0); break;
    case T_FALSE: emit(c, OP_INT, 0, 0); break;
    case T_NIL: emit(c, OP_NIL, 0, 0); break;
    case T_LPAREN:
        expression(c);
        expect(c, T_RPAREN, "')'");
        break;
    case T_LBRACKET: {
        int n = arguments(c, T_RBRACKET);
        emit(c, OP_LIST, 0, n);
        break;
    }
    case T_SPAWN: {
        token name = c->cur;
        expect(c, T_NAME, "function name after spawn");
        expect(c, T_LPAREN, "'('");
        call(c, &name, 1);
        break;
    }
    case T_NAME: {
        if (accept(c, T_LPAREN)) {
            call(c, &t, 0);
            break;
        }
        int slot = find_local(c, &t), g;
        if (slot >= 0) {
            c->lvalue_at = emit(c, OP_LOAD_LOCAL, slot, 0);
        } else if ((g = find_global(c->prog, &t)) >= 0) {
            c->lvalue_at = emit(c, OP_LOAD_GLOBAL, g, 0);
        } else if (find_function(c->prog, &t) >= 0) {
            error_at(c, t.line, "functions are not values: call %.*s(...)", t.len, t.start);
        } else {
            error_at(c, t.line, "unknown name '%.*s'", t.len, t.start);
        }
        break;
    }
    default:
        error_at(c, t.line, "expected an expression");
    }
    while (accept(c, T_LBRACKET)) {
        expression(c);
        expect(c, T_RBRACKET, "']'");
        c->lvalue_at = emit(c, OP_INDEX, 0, 0);
    }
}

static void unary(compiler *c)
{
    if (accept(c, T_MINUS)) {
        unary(c);
        emit(c, OP_NEG, 0, 0);
    } else {
        primary(c);
    }
}

static void binary_level(compiler *c, void (*operand)(compiler *), const enum tok *toks,
                         const enum opcode *ops, int n, int chain)
{
    operand(c);
    for (;;) {
        int i = 0;
        while (i < n && c->cur.kind != toks[i])
            i++;
        if (i == n)
            return;
        advance(c);
        operand(c);
        emit(c, ops[i], 0, 0);
        if (!chain)
            return;
    }
}

static void factor_level(compiler *c)
{
    static const enum tok t[] = {T_STAR, T_SLASH, T_PERCENT};
    static const enum opcode o[] = {OP_MUL, OP_DIV, OP_MOD};
    binary_level(c, unary, t, o, 3, 1);
}

static void term_level(compiler *c)
{
    static const enum tok t[] = {T_PLUS, T_MINUS};
    static const enum opcode o[] = {OP_ADD, OP_SUB};
    binary_level(c, factor_level, t, o, 2, 1);
}

static void comparison(compiler *c)
{
    static const enum tok t[] = {T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE};
    static const enum opcode o[] = {OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE};
    binary_level(c, term_level, t, o, 6, 0);
}

static void negation(compiler *c)
{
    if (accept(c, T_NOT)) {
        negation(c);
        emit(c, OP_NOT, 0, 0);
    } else {
        comparison(c);
    }
}

/* `a and b`: if a is falsy it is the result, else b is. */
static void conjunction(compiler *c)
{
    negation(c);
    while (accept(c, T_AND)) {
        int j = emit(c, OP_AND, 0, 0);
        negation(c);
        patch(c, j);
        c->lvalue_at = -1;
    }
}

static void expression(compiler *c)
{
    conjunction(c);
    while (accept(c, T_OR)) {
        int j = emit(c, OP_OR, 0, 0);
        conjunction(c);
        patch(c, j);
        c->lvalue_at = -1;
    }
}

/* ------------------------------------------------------------------ */
/* Statements */

static void statement(compiler *c);

static void block(compiler *c)
{
    expect(c, T_LBRACE, "'{'");
    int outer = c->nlocals;
    c->depth++;
    while (!accept(c, T_RBRACE)) {
        if (c->cur.kind == T_EOF)
            error(c, "expected '}'");
        statement(c);
    }
    c->depth--;
    c->nlocals = outer;
}

static int is_global_scope(compiler *c) { return c->fn == c->prog->fns[0] && c->depth == 0; }

static void var_statement(compiler *c)
{
    token name = c->cur;
    expect(c, T_NAME, "variable name");
    if (accept(c, T_ASSIGN))
        expression(c);
    else
        emit(c, OP_NIL, 0, 0);
    if (is_global_scope(c)) {
        emit(c, OP_STORE_GLOBAL, find_global(c->prog, &name), 0);
        return;
    }
    for (int i = c->nlocals - 1; i >= 0 && c->locals[i].depth == c->depth; i--)
        if (c->locals[i].len == name.len && !memcmp(c->locals[i].name, name.start, (size_t)name.len))
            error_at(c, name.line, "'%.*s' is already declared in this block", name.len, name.start);
    if (c->nlocals == (int)(sizeof c->locals / sizeof c->locals[0]))
        error_at(c, name.line, "too many local variables");
    c->locals[c->nlocals++] = (local){name.start, name.len, c->fn->nlocals++, c->depth};
    emit(c, OP_STORE_LOCAL, c->locals[c->nlocals - 1].slot, 0);
}

static void if_statement(compiler *c)
{
    expression(c);
    int skip = emit(c, OP_JUMP_FALSE, 0, 0);
    block(c);
    if (accept(c, T_ELSE)) {
        int end = emit(c, OP_JUMP, 0, 0);
        patch(c, skip);
        if (accept(c, T_IF))
            if_statement(c);
        else
            block(c);
        patch(c, end);
    } else {
        patch(c, skip);
    }
}

static void while_statement(compiler *c)
{
    loop l = {.start = c->fn->ncode, .outer = c->loop};
    expression(c);
    int exit = emit(c, OP_JUMP_FALSE, 0, 0);
    c->loop = &l;
    block(c);
    c->loop = l.outer;
    emit(c, OP_JUMP, l.start, 0);
    patch(c, exit);
    for (int i = 0; i < l.nbreaks; i++)
        patch(c, l.breaks[i]);
}

static void statement(compiler *c)
{
    c->stack_depth = 0;
    token t = c->cur;
    if (accept(c, T_VAR)) {
        var_statement(c);
    } else if (accept(c, T_IF)) {
        if_statement(c);
    } else if (accept(c, T_WHILE)) {
        while_statement(c);
    } else if (accept(c, T_BREAK) || accept(c, T_CONTINUE)) {
        if (!c->loop)
            error_at(c, t.line, "%s outside a loop", t.kind == T_BREAK ? "break" : "continue");
        if (t.kind == T_CONTINUE) {
            emit(c, OP_JUMP, c->loop->start, 0);
        } else {
            if (c->loop->nbreaks == (int)(sizeof c->loop->breaks / sizeof c->loop->breaks[0]))
                error_at(c, t.line, "too many breaks in one loop");
            c->loop->breaks[c->loop->nbreaks++] = emit(c, OP_JUMP, 0, 0);
        }
    } else if (accept(c, T_RETURN)) {
        if (c->cur.kind == T_RBRACE || c->cur.kind == T_SEMI || c->cur.kind == T_EOF)
            emit(c, OP_NIL, 0, 0);
        else
            expression(c);
        emit(c, OP_RETURN, 0, 0);
    } else if (t.kind == T_FN) {
        error(c, "functions are defined at top level only");
    } else if (c->cur.kind == T_LBRACE) {
        block(c);
    } else {
        expression(c);
        if (accept(c, T_ASSIGN)) {
            function *fn = c->fn;
            if (c->lvalue_at != fn->ncode - 1)
                error_at(c, t.line, "cannot assign to this expression");
            instr load = fn->code[--fn->ncode];
            c->stack_depth -= stack_effect((enum opcode)load.op, 0);
            expression(c);
            if (load.op == OP_INDEX)
                emit(c, OP_SET_INDEX, 0, 0);
            else
                emit(c, load.op == OP_LOAD_LOCAL ? OP_STORE_LOCAL : OP_STORE_GLOBAL, load.a, 0);
        } else {
            emit(c, OP_POP, 0, 0);
        }
    }
    accept(c, T_SEMI);
}

static void function_definition(compiler *c)
{
    token name = c->cur;
    expect(c, T_NAME, "function name");
    function *fn = c->prog->fns[find_function(c->prog, &name)];
    if (fn->code)
        error_at(c, name.line, "'%s' is defined twice", fn->name);
    function *outer = c->fn;
    c->fn = fn;
    c->nlocals = 0;
    expect(c, T_LPAREN, "'('");
    if (!accept(c, T_RPAREN)) {
        do {
            token p = c->cur;
            expect(c, T_NAME, "parameter name");
            c->locals[c->nlocals++] = (local){p.start, p.len, fn->nlocals++, 1};
        } while (accept(c, T_COMMA));
        expect(c, T_RPAREN, "')'");
    }
    block(c);
    emit(c, OP_NIL, 0, 0);
    emit(c, OP_RETURN, 0, 0);
    if (fn->nlocals + fn->max_stack > STACK_MAX / 4)
        error_at(c, name.line, "'%s' needs too large a frame", fn->name);
    c->fn = outer;
    c->nlocals = 0;
}

static void compile_all(compiler *c)
{
    c->fn = new_function(c, strdup("<main>"));
    declare_top_level(c);
    advance(c);
    while (c->cur.kind != T_EOF) {
        if (accept(c, T_FN))
            function_definition(c);
        else
            statement(c);
    }
    emit(c, OP_NIL, 0, 0);
    emit(c, OP_RETURN, 0, 0);
    if (c->fn->nlocals + c->fn->max_stack > STACK_MAX / 4)
        error_at(c, c->cur.line, "the top-level code needs too large a frame");
}

/* Compile errors unwind here from any depth (no transaction is involved). */
static int compile_guarded(compiler *c)
{
    if (setjmp(c->fail))
        return 0;
    compile_all(c);
    return 1;
}

program *compile_program(const char *path, const char *source)
{
    compiler *c = calloc(1, sizeof *c);
    program *p = calloc(1, sizeof *p);
    int ok = 0;
    if (c && p) {
        *c = (compiler){.path = path, .prog = p, .lx = {.p = source, .line = 1}};
        p->path = path;
        ok = compile_guarded(c);
    }
    free(c);
    if (!ok && p) {
        free_program(p);
        p = NULL;
    }
    return p;
}

void free_program(program *p)
{
    for (int i = 0; i < p->nfns; i++) {
        free((char *)p->fns[i]->name);
        free((char *)p->fns[i]->site);
        free(p->fns[i]->code);
        free(p->fns[i]->lines);
        free(p->fns[i]);
    }
    for (int i = 0; i < p->nglobals; i++)
        free(p->globals[i]);
    for (int i = 0; i < p->nconsts; i++)
        if (!is_int(p->consts[i]))
            free((void *)p->consts[i]);
    free(p->fns);
    free(p->globals);
    free(p->consts);
    free(p);
}
