/* dpplugin: the process of the small volume-driver plugin the plugin tests build.
 *
 * dockerd starts it inside the plugin's rootfs and waits for the activation handshake
 * on the socket config.json names (/run/docker/plugins/dp.sock): POST /Plugin.Activate
 * answered {"Implements": ["VolumeDriver"]}.  It then answers the VolumeDriver calls,
 * keeping each volume as a file under /state (a process per connection: the state is
 * on disk, not in memory).  A volume's Status carries $GREETING, so that a test sees a
 * setting reach the plugin's process.  Built with `gcc -static` by the tests: the
 * busybox image has no server that listens on a Unix socket.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAXREQ 65536

static const char *greeting(void) {
    const char *g = getenv("GREETING");
    return g ? g : "";
}

/* The string value of "Name" in a JSON body, if it is a plain name. */
static int volume_name(const char *body, char *out, size_t size) {
    const char *p = strstr(body, "\"Name\"");
    if (!p) return 0;
    p = strchr(p + 6, '"');
    if (!p) return 0;
    p++;
    size_t n = 0;
    while (p[n] && p[n] != '"') {
        char c = p[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
        if (n + 1 >= size) return 0;
        out[n] = c;
        n++;
    }
    out[n] = 0;
    return n > 0 && p[n] == '"';
}

static int volume_exists(const char *name) {
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "/state/%s", name);
    return stat(path, &st) == 0;
}

/* The JSON answer to one call, written into out. */
static void answer(const char *path, const char *body, char *out, size_t size) {
    char name[256];
    char file[512];
    if (strcmp(path, "/Plugin.Activate") == 0) {
        snprintf(out, size, "{\"Implements\":[\"VolumeDriver\"]}");
    } else if (strcmp(path, "/VolumeDriver.Capabilities") == 0) {
        snprintf(out, size, "{\"Capabilities\":{\"Scope\":\"local\"}}");
    } else if (strcmp(path, "/VolumeDriver.List") == 0) {
        size_t used = (size_t)snprintf(out, size, "{\"Volumes\":[");
        DIR *d = opendir("/state");
        struct dirent *e;
        int first = 1;
        while (d && (e = readdir(d)) != NULL && used + 600 < size) {
            if (e->d_name[0] == '.') continue;
            used += (size_t)snprintf(out + used, size - used,
                                     "%s{\"Name\":\"%s\",\"Mountpoint\":\"/data/%s\"}",
                                     first ? "" : ",", e->d_name, e->d_name);
            first = 0;
        }
        if (d) closedir(d);
        snprintf(out + used, size - used, "],\"Err\":\"\"}");
    } else if (!volume_name(body, name, sizeof name)) {
        snprintf(out, size, "{\"Err\":\"dpplugin: no volume name in the request\"}");
    } else if (strcmp(path, "/VolumeDriver.Create") == 0) {
        snprintf(file, sizeof file, "/state/%s", name);
        FILE *f = fopen(file, "w");
        if (f) fclose(f);
        snprintf(out, size, f ? "{\"Err\":\"\"}" : "{\"Err\":\"dpplugin: cannot create\"}");
    } else if (!volume_exists(name)) {
        snprintf(out, size, "{\"Err\":\"dpplugin: no such volume: %s\"}", name);
    } else if (strcmp(path, "/VolumeDriver.Get") == 0) {
        snprintf(out, size,
                 "{\"Volume\":{\"Name\":\"%s\",\"Mountpoint\":\"/data/%s\","
                 "\"Status\":{\"greeting\":\"%s\"}},\"Err\":\"\"}",
                 name, name, greeting());
    } else if (strcmp(path, "/VolumeDriver.Remove") == 0) {
        snprintf(file, sizeof file, "/state/%s", name);
        unlink(file);
        snprintf(out, size, "{\"Err\":\"\"}");
    } else if (strcmp(path, "/VolumeDriver.Path") == 0 ||
               strcmp(path, "/VolumeDriver.Mount") == 0) {
        snprintf(file, sizeof file, "/data/%s", name);
        mkdir("/data", 0755);
        mkdir(file, 0755);
        snprintf(out, size, "{\"Mountpoint\":\"/data/%s\",\"Err\":\"\"}", name);
    } else if (strcmp(path, "/VolumeDriver.Unmount") == 0) {
        snprintf(out, size, "{\"Err\":\"\"}");
    } else {
        snprintf(out, size, "{\"Err\":\"dpplugin: unknown call %s\"}", path);
    }
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Serve the requests of one connection (keep-alive) until the peer closes it. */
static void serve(int fd) {
    static char buf[MAXREQ + 1];
    static char json[MAXREQ];
    static char resp[MAXREQ + 256];
    size_t have = 0;
    for (;;) {
        char *end = NULL;
        while (!(end = strstr(buf, "\r\n\r\n"))) {
            if (have >= MAXREQ) return;
            ssize_t r = read(fd, buf + have, MAXREQ - have);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return;
            have += (size_t)r;
            buf[have] = 0;
        }
        size_t head = (size_t)(end - buf) + 4;
        size_t length = 0;
        const char *cl = strcasestr(buf, "\r\ncontent-length:");
        if (cl && cl < end) length = strtoul(cl + 17, NULL, 10);
        if (head + length > MAXREQ) return;
        while (have < head + length) {
            ssize_t r = read(fd, buf + have, MAXREQ - have);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return;
            have += (size_t)r;
            buf[have] = 0;
        }
        char method[16] = "", path[256] = "";
        if (sscanf(buf, "%15s %255s", method, path) != 2) return;
        char saved = buf[head + length];
        buf[head + length] = 0;
        answer(path, buf + head, json, sizeof json);
        buf[head + length] = saved;
        int n = snprintf(resp, sizeof resp,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1+json"
                         "\r\nContent-Length: %zu\r\n\r\n%s",
                         strlen(json), json);
        if (write_all(fd, resp, (size_t)n) < 0) return;
        memmove(buf, buf + head + length, have - head - length);
        have -= head + length;
        buf[have] = 0;
    }
}

static void on_term(int sig) {
    (void)sig;
    _exit(0);
}

int main(int argc, char **argv) {
    const char *sock = argc > 1 ? argv[1] : "/run/docker/plugins/dp.sock";
    signal(SIGCHLD, SIG_IGN); /* (children reaped by the kernel) */
    /* PID 1 of its container: the kernel gives it no default action for SIGTERM, so
       without a handler disabling the plugin would wait out dockerd's 10 s and kill. */
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    mkdir("/state", 0755);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, sock, sizeof addr.sun_path - 1);
    unlink(sock);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
        perror("dpplugin: listen");
        return 1;
    }
    fprintf(stderr, "dpplugin: listening on %s\n", sock);
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR) continue;
            perror("dpplugin: accept");
            return 1;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(fd);
            serve(c);
            _exit(0);
        }
        close(c);
    }
}
