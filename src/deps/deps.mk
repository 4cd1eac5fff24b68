# Pinned third-party sources: the one place their versions live.
#
# Each is the upstream tarball as Debian's source package carries it
# ("orig"), fetched by src/deps/fetch.sh from the archive named in the
# machine's own apt configuration, through a private apt state whose
# index apt verifies against the Debian archive keyring.  The SHA-256
# below is then checked against the file itself, so a build uses these
# bytes or fails.  The Debian revision is not pinned: the archive keeps
# only a suite's newest one, while the orig tarball stays the same for
# as long as the upstream version does.

DEB_SUITE	= trixie

MUSL_VERSION	= 1.2.5
MUSL_DEBSRC	= musl
MUSL_TARBALL	= musl_1.2.5.orig.tar.gz
MUSL_SHA256	= a9a118bbe84d8764da0ea0d28b3ab3fae8477fc7e4085d90102b8596fc7c75e4
MUSL_DIR	= musl-1.2.5

MBEDTLS_VERSION	= 3.6.6
MBEDTLS_DEBSRC	= mbedtls
MBEDTLS_TARBALL	= mbedtls_3.6.6.orig.tar.bz2
MBEDTLS_SHA256	= 8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a
MBEDTLS_DIR	= mbedtls-3.6.6
# Applied in order (patch -p1) right after unpacking; each file says why
# and when it can go.
MBEDTLS_PATCHES	= src/deps/mbedtls-tls12-rsa-pss.patch

# Debian repacks zlib without its contrib/ tree ("dfsg"); the library
# sources in it are upstream 1.3.1's.
ZLIB_VERSION	= 1.3.1
ZLIB_DEBSRC	= zlib
ZLIB_TARBALL	= zlib_1.3.dfsg+really1.3.1.orig.tar.gz
ZLIB_SHA256	= 60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb
ZLIB_DIR	= zlib-1.3.1
ZLIB_PATCHES	= src/deps/zlib-slide-hash-simd.patch

INIH_VERSION	= 59
INIH_DEBSRC	= libinih
INIH_TARBALL	= libinih_59.orig.tar.gz
INIH_SHA256	= 062279922805f5e9a369551a08d5ddb506140fe50774183ffdbb7c22bb97e3f4
INIH_DIR	= inih-r59

# Tests only: the C unit test framework, built from source so that the
# musl and the glibc builds run the same tests with the same harness.
CMOCKA_VERSION	= 1.1.7
CMOCKA_DEBSRC	= cmocka
CMOCKA_TARBALL	= cmocka_1.1.7.orig.tar.xz
CMOCKA_SHA256	= 810570eb0b8d64804331f82b29ff47c790ce9cd6b163e98d47a4807047ecad82
CMOCKA_DIR	= cmocka-1.1.7
