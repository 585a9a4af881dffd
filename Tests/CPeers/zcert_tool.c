// czmq's certificate code (zcert, czmq 4.2) for the interop tests of Tests/InteropTests/Security:
// compiled by the test with `cc zcert_tool.c -lczmq -lzmq`.
//
//   zcert_tool save BASE [NAME=VALUE ...]   zcert_new + zcert_set_meta + zcert_save(BASE.key):
//                                           writes BASE.key and BASE.key_secret, prints
//                                           "public <z85>"
//   zcert_tool load PATH                    zcert_load(PATH) (czmq tries PATH_secret first), prints
//                                           "public <z85>", "secret <z85>" (forty 0s when
//                                           there is none) and "meta NAME=VALUE" per metadata
//                                           item; exits 2 when czmq cannot load the file
#include <czmq.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char *argv[]) {
    if (argc >= 3 && strcmp(argv[1], "save") == 0) {
        zcert_t *cert = zcert_new();
        if (!cert) { fprintf(stderr, "zcert_new failed\n"); return 1; }
        for (int i = 3; i < argc; i++) {
            char *equals = strchr(argv[i], '=');
            if (!equals) { fprintf(stderr, "metadata %s has no '='\n", argv[i]); return 1; }
            *equals = 0;
            zcert_set_meta(cert, argv[i], "%s", equals + 1);
        }
        char path[1024];
        snprintf(path, sizeof path, "%s.key", argv[2]);
        if (zcert_save(cert, path) != 0) { fprintf(stderr, "zcert_save %s failed\n", path); return 1; }
        printf("public %s\n", zcert_public_txt(cert));
        zcert_destroy(&cert);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "load") == 0) {
        zcert_t *cert = zcert_load(argv[2]);
        if (!cert) { fprintf(stderr, "zcert_load %s failed\n", argv[2]); return 2; }
        printf("public %s\n", zcert_public_txt(cert));
        printf("secret %s\n", zcert_secret_txt(cert));
        zlist_t *keys = zcert_meta_keys(cert);
        for (char *key = (char *) zlist_first(keys); key; key = (char *) zlist_next(keys))
            printf("meta %s=%s\n", key, zcert_meta(cert, key));
        zlist_destroy(&keys);
        zcert_destroy(&cert);
        return 0;
    }
    fprintf(stderr, "usage: zcert_tool save BASE [NAME=VALUE ...] | zcert_tool load PATH\n");
    return 1;
}
