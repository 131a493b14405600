/*
 * The client side of the control socket, used by the sipmob command: one
 * request line out, the whole reply back (the server closes after it).
 * Plain blocking sockets with a deadline: the command has no event loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include <sipmob/ctl.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctl_call(const char *path, const char *line, char **replyp,
	     unsigned timeout_ms)
{
	struct sockaddr_un sun;
	int64_t deadline = now_ms() + timeout_ms;
	size_t len = 0, cap = 4096;
	char *buf = NULL;
	int fd, err = 0;

	if (!path || !line || !replyp)
		return EINVAL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = errno;
		goto out;
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		err = errno;
		goto out;
	}

	buf = malloc(cap);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			err = ETIMEDOUT;
			goto out;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (len + 1024 > cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				err = ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (!len)
		err = ECONNRESET;

 out:
	close(fd);
	if (err)
		free(buf);
	else
		*replyp = buf;
	return err;
}
