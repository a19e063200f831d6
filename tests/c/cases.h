/*
 * cases.h — running table-driven cmocka tests.
 *
 * Several test files describe most of their tests as two tables, value
 * cases and error cases, each case a struct whose first member is its name.
 * run_tables turns the tables (plus a list of named tests) into one cmocka
 * group: every case becomes a test of its own, run by the file's runner
 * with the case as its state.
 */
#ifndef CASES_H
#define CASES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct case_table {
    const void *cases;       /* an array of structs starting with a name */
    size_t count, size;      /* entries and the size of one */
    CMUnitTestFunction run;  /* runs one case, given as *state */
} case_table;

#define CASE_TABLE(array, runner) \
    ((case_table){(array), sizeof(array) / sizeof((array)[0]), sizeof((array)[0]), (runner)})

static inline int run_tables(const char *group, case_table values,
                             case_table errors, const struct CMUnitTest *named,
                             size_t nnamed, CMFixtureFunction setup,
                             CMFixtureFunction teardown)
{
    const case_table tables[2] = {values, errors};
    struct CMUnitTest *tests = calloc(values.count + errors.count + nnamed,
                                      sizeof *tests);
    size_t n = 0;
    for (int t = 0; t < 2; t++)
        for (size_t k = 0; k < tables[t].count; k++) {
            const char *c = (const char *)tables[t].cases + k * tables[t].size;
            tests[n++] = (struct CMUnitTest){.name = *(const char *const *)c,
                                             .test_func = tables[t].run,
                                             .initial_state = (void *)c};
        }
    for (size_t k = 0; k < nnamed; k++)
        tests[n++] = named[k];
    int failed = _cmocka_run_group_tests(group, tests, n, setup, teardown);
    free(tests);
    return failed;
}

/* A case's text with every '@' replaced by dir (the file's temporary
 * folder), so cases can name files there; caller frees. */
static inline char *with_dir(const char *text, const char *dir)
{
    size_t n = strlen(text) + 1;
    for (const char *c = text; *c; c++)
        n += *c == '@' ? strlen(dir) : 0;
    char *out = malloc(n), *o = out;
    for (const char *c = text; *c; c++)
        o += *c == '@' ? sprintf(o, "%s", dir) : sprintf(o, "%c", *c);
    *o = '\0';
    return out;
}

#endif /* CASES_H */
