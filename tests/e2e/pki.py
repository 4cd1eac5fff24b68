"""Test certificates, made with the openssl command line: a CA, server
certificates (ECDSA and RSA) for localhost/127.0.0.1, one for another
host name, one expired, a client certificate for mTLS, and a second CA.
"""
import os
import subprocess


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   capture_output=True)


def _ca(d, name):
    _run("req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
         "-out", name + ".crt", "-days", "3650", "-subj",
         "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)


def _leaf(d, name, ca, san, key="ec", client=False, days=None,
          dates=None):
    if key == "ec":
        _run("genpkey", "-algorithm", "EC", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-out", name + ".key", cwd=d)
    else:
        _run("genpkey", "-algorithm", "RSA", "-pkeyopt",
             "rsa_keygen_bits:2048", "-out", name + ".key", cwd=d)
    _run("req", "-new", "-key", name + ".key", "-out", name + ".csr",
         "-subj", "/CN=" + name, cwd=d)
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\n")
        if san:
            f.write("subjectAltName=%s\n" % san)
        f.write("extendedKeyUsage=%s\n" % ("clientAuth" if client
                                           else "serverAuth"))
    if dates:
        # openssl ca is the way to set a validity in the past.
        cnf = os.path.join(d, "ca.cnf")
        with open(cnf, "w") as f:
            f.write("[ca]\ndefault_ca=x\n[x]\ndir=%s\ndatabase=%s/index\n"
                    "new_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\n"
                    "policy=p\n[p]\ncommonName=supplied\n" % (d, d, d, d))
        open(os.path.join(d, "index"), "w").close()
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("1000\n")
        _run("ca", "-batch", "-config", cnf, "-cert", ca + ".crt",
             "-keyfile", ca + ".key", "-in", name + ".csr", "-out",
             name + ".crt", "-startdate", dates[0], "-enddate", dates[1],
             "-extfile", ext, "-notext", cwd=d)
        return
    _run("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt",
         "-CAkey", ca + ".key", "-CAcreateserial", "-out", name + ".crt",
         "-days", str(days or 2), "-extfile", ext, cwd=d)


def make(d):
    """Writes everything into directory d; returns a dict of paths."""
    d = str(d)
    os.makedirs(d, exist_ok=True)
    _ca(d, "ca")
    _ca(d, "other-ca")
    san = "DNS:localhost,IP:127.0.0.1"
    _leaf(d, "server", "ca", san)
    _leaf(d, "server-rsa", "ca", san, key="rsa")
    _leaf(d, "wrong-host", "ca", "DNS:logs.other.example")
    _leaf(d, "expired", "ca", san,
          dates=("20200101000000Z", "20210101000000Z"))
    _leaf(d, "client", "ca", None, client=True)
    _leaf(d, "stranger", "other-ca", san)
    return {n: (os.path.join(d, n + ".crt"), os.path.join(d, n + ".key"))
            for n in ("ca", "other-ca", "server", "server-rsa",
                      "wrong-host", "expired", "client", "stranger")}
