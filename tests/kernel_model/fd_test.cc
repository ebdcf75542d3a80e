// The fd table and the generic file syscalls.
#include <catch2/catch.hpp>

#include <string>

#include "kernel_model/eventfd.h"
#include "kernel_model/pipe.h"
#include "kernel_model/read_write.h"
#include "tests/kernel_model/world.h"

using namespace kernel;
using kernel_test::uget;
using kernel_test::uget_val;
using kernel_test::uput;
using kernel_test::World;

namespace {
// pipe2 into a scratch buffer; returns {read fd, write fd}.
std::pair<int, int> make_pipe(int flags = 0) {
  user_ptr fds = kernel_test::ualloc(PAGE_SIZE);
  long r = sys_pipe2(fds, flags);
  if (r) return {static_cast<int>(r), static_cast<int>(r)};
  return {uget_val<int>(fds), uget_val<int>(fds + 4)};
}
}  // namespace

TEST_CASE("fd: descriptors are allocated lowest first", "[kernel][fd]") {
  World w;
  int r0 = -1, w0 = -1, e = -1, again = -1;
  create_process("p", [&] {
    std::tie(r0, w0) = make_pipe();
    e = static_cast<int>(sys_eventfd2(0, 0));
    sys_close(static_cast<unsigned>(r0));
    again = static_cast<int>(sys_eventfd2(0, 0));
    return 0;
  });
  w.Run();
  CHECK(r0 == 0);
  CHECK(w0 == 1);
  CHECK(e == 2);
  CHECK(again == 0);
}

TEST_CASE("fd: bad descriptors give -EBADF", "[kernel][fd]") {
  World w;
  long rd = 0, cl = 0, cl2 = 0, fs = 0, dup = 0;
  create_process("p", [&] {
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    rd = sys_read(7, buf, 10);
    cl = sys_close(7);
    auto [r, wfd] = make_pipe();
    sys_close(static_cast<unsigned>(wfd));
    cl2 = sys_close(static_cast<unsigned>(wfd));
    fs = sys_fsync(12345);
    dup = sys_dup(99);
    (void)r;
    return 0;
  });
  w.Run();
  CHECK(rd == -EBADF);
  CHECK(cl == -EBADF);
  CHECK(cl2 == -EBADF);
  CHECK(fs == -EBADF);
  CHECK(dup == -EBADF);
}

TEST_CASE("fd: the fd limit gives -EMFILE", "[kernel][fd]") {
  KernelOptions o;
  o.nr_open = 3;
  World w(1, o);
  long a = 0, b = 0, c = 0, d = 0;
  create_process("p", [&] {
    a = sys_eventfd2(0, 0);
    b = sys_eventfd2(0, 0);
    c = sys_eventfd2(0, 0);
    d = sys_eventfd2(0, 0);
    return 0;
  });
  w.Run();
  CHECK(a == 0);
  CHECK(b == 1);
  CHECK(c == 2);
  CHECK(d == -EMFILE);
  CHECK(nr_live_files() == 0);
}

TEST_CASE("fd: a file lives until its last reference goes", "[kernel][fd]") {
  World w;
  size_t after_first_close = 0, after_second_close = 9;
  long dup_fd = -1;
  std::string got;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    dup_fd = sys_dup(static_cast<unsigned>(wfd));
    sys_close(static_cast<unsigned>(wfd));
    after_first_close = nr_live_files();
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    uput(buf, "via dup");
    sys_write(static_cast<unsigned>(dup_fd), buf, 7);
    sys_read(static_cast<unsigned>(r), buf + 100, 7);
    got = uget(buf + 100, 7);
    sys_close(static_cast<unsigned>(dup_fd));
    sys_close(static_cast<unsigned>(r));
    after_second_close = nr_live_files();
    return 0;
  });
  w.Run();
  CHECK(dup_fd == 2);
  CHECK(after_first_close == 2);
  CHECK(got == "via dup");
  CHECK(after_second_close == 0);
}

TEST_CASE("fd: dup2 and F_DUPFD place the copy where asked", "[kernel][fd]") {
  World w;
  long d2 = 0, same = 0, d3 = 0, fdup = 0;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    d2 = sys_dup2(static_cast<unsigned>(r), 10);
    same = sys_dup2(static_cast<unsigned>(r), static_cast<unsigned>(r));
    d3 = sys_dup3(static_cast<unsigned>(r), static_cast<unsigned>(r), 0);
    fdup = sys_fcntl(static_cast<unsigned>(wfd), F_DUPFD, 5);
    return 0;
  });
  w.Run();
  CHECK(d2 == 10);
  CHECK(same == 0);
  CHECK(d3 == -EINVAL);
  CHECK(fdup == 5);
}

TEST_CASE("fd: positional I/O, seeking and fsync on a pipe fail as in Linux", "[kernel][fd]") {
  World w;
  long pr = 0, pw = 0, ls = 0, fs = 0, fds = 0, rd_on_w = 0, efd_seek = -1;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    pr = sys_pread64(static_cast<unsigned>(r), buf, 1, 0);
    pw = sys_pwrite64(static_cast<unsigned>(wfd), buf, 1, 0);
    ls = sys_lseek(static_cast<unsigned>(r), 0, SEEK_SET);
    fs = sys_fsync(static_cast<unsigned>(wfd));
    fds = sys_fdatasync(static_cast<unsigned>(r));
    rd_on_w = sys_read(static_cast<unsigned>(wfd), buf, 1);
    long e = sys_eventfd2(0, 0);
    efd_seek = sys_lseek(static_cast<unsigned>(e), 0, SEEK_CUR);
    return 0;
  });
  w.Run();
  CHECK(pr == -ESPIPE);
  CHECK(pw == -ESPIPE);
  CHECK(ls == -ESPIPE);
  CHECK(fs == -EINVAL);
  CHECK(fds == -EINVAL);
  CHECK(rd_on_w == -EBADF);
  CHECK(efd_seek == 0);
}

TEST_CASE("fd: readv and writev walk iovecs; bad vectors fail", "[kernel][fd]") {
  World w;
  long wv = 0, rv = 0, too_many = 0, bad_vec = 0, neg_len = 0;
  std::string a, b;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    user_ptr mem = kernel_test::ualloc(PAGE_SIZE);
    uput(mem + 1000, "hello ");
    uput(mem + 2000, "world");
    kernel::iovec out[2] = {{mem + 1000, 6}, {mem + 2000, 5}};
    uput(mem, out, sizeof(out));
    wv = sys_writev(static_cast<unsigned>(wfd), mem, 2);
    kernel::iovec in[2] = {{mem + 3000, 3}, {mem + 3100, 20}};
    uput(mem + 64, in, sizeof(in));
    rv = sys_readv(static_cast<unsigned>(r), mem + 64, 2);
    a = uget(mem + 3000, 3);
    b = uget(mem + 3100, 8);
    too_many = sys_readv(static_cast<unsigned>(r), mem, 1025);
    bad_vec = sys_readv(static_cast<unsigned>(r), 0x1000, 1);
    kernel::iovec neg[1] = {{mem, static_cast<u64>(-5)}};
    uput(mem + 128, neg, sizeof(neg));
    neg_len = sys_writev(static_cast<unsigned>(wfd), mem + 128, 1);
    return 0;
  });
  w.Run();
  CHECK(wv == 11);
  CHECK(rv == 11);
  CHECK(a == "hel");
  CHECK(b == "lo world");
  CHECK(too_many == -EINVAL);
  CHECK(bad_vec == -EFAULT);
  CHECK(neg_len == -EINVAL);
}

TEST_CASE("fd: F_SETFL O_NONBLOCK makes a read of an empty pipe fail with -EAGAIN", "[kernel][fd]") {
  World w;
  long fl = -1, rd = 0, bad_buf = 0;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    sys_fcntl(static_cast<unsigned>(r), F_SETFL, O_NONBLOCK);
    fl = sys_fcntl(static_cast<unsigned>(r), F_GETFL, 0);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    rd = sys_read(static_cast<unsigned>(r), buf, 10);
    sys_write(static_cast<unsigned>(wfd), buf, 10);
    bad_buf = sys_read(static_cast<unsigned>(r), 0x1000, 10);  // unmapped destination
    return 0;
  });
  w.Run();
  CHECK(fl == (O_RDONLY | O_NONBLOCK));
  CHECK(rd == -EAGAIN);
  CHECK(bad_buf == -EFAULT);
}

TEST_CASE("fd: RWF_NOWAIT reaches the file; unknown RWF bits are -EOPNOTSUPP", "[kernel][fd]") {
  World w;
  long nowait = 0, unknown = 0, both = 0;
  create_process("p", [&] {
    auto [r, wfd] = make_pipe();
    (void)wfd;
    user_ptr mem = kernel_test::ualloc(PAGE_SIZE);
    kernel::iovec v[1] = {{mem + 100, 10}};
    uput(mem, v, sizeof(v));
    nowait = sys_preadv2(static_cast<unsigned>(r), mem, 1, -1, static_cast<rwf_t>(RWF_NOWAIT));
    unknown = sys_preadv2(static_cast<unsigned>(r), mem, 1, -1, 0x1000);
    both = sys_preadv2(static_cast<unsigned>(r), mem, 1, -1, static_cast<rwf_t>(RWF_APPEND | RWF_NOAPPEND));
    return 0;
  });
  w.Run();
  CHECK(nowait == -EAGAIN);
  CHECK(unknown == -EOPNOTSUPP);
  CHECK(both == -EINVAL);
}

TEST_CASE("fd: an O_PATH file is refused by fget but can be dup'ed and closed", "[kernel][fd]") {
  World w;
  long rd = 0, dup = -1, cl = -1, fl = -1;
  create_process("p", [&] {
    static const file_operations ops = {.name = "path"};
    int fd = get_unused_fd_flags(0);
    file* f = alloc_empty_file(O_PATH);
    f->f_op = &ops;
    fd_install(static_cast<unsigned>(fd), f);
    user_ptr buf = kernel_test::ualloc(PAGE_SIZE);
    rd = sys_read(static_cast<unsigned>(fd), buf, 1);
    dup = sys_dup(static_cast<unsigned>(fd));
    fl = sys_fcntl(static_cast<unsigned>(fd), F_GETFL, 0);
    cl = sys_close(static_cast<unsigned>(fd));
    return 0;
  });
  w.Run();
  CHECK(rd == -EBADF);
  CHECK(dup == 1);
  CHECK(fl == O_PATH);
  CHECK(cl == 0);
  CHECK(nr_live_files() == 0);
}
