"""Which ``Environment`` names a request may hand to a container the process backend runs.

The process backend runs the container's code as a process on this machine, so a variable that
the dynamic loader, glibc, an interpreter, a shell or the locale machinery reads would change what
runs on the host (``LD_PRELOAD``, ``GCONV_PATH``, ``GLIBC_TUNABLES``, ``PYTHONSTARTUP``,
``BASH_ENV``, ``LC_ALL``...). Rather than listing what is dangerous and missing the next one, the
process backend passes an allow-list: the names the built-in algorithms read (``SAGEMAKER_*``,
``OMP_NUM_THREADS``, ``OPENBLAS_*``, ``MKL_*``, ``AWS_REGION``...) and any other plain name
(letters, digits, ``_``) that matches none of the loader, libc, interpreter, shell, locale, path,
TLS/proxy or smemu prefixes below. The Docker backend isolates the container and passes
everything, as SageMaker does.
"""

from __future__ import annotations

import re

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# what the built-ins and their numerical libraries read: always passed
BUILTIN = re.compile(r"SAGEMAKER_[A-Z0-9_]*|OMP_NUM_THREADS|OPENBLAS_[A-Z0-9_]*|MKL_[A-Z0-9_]*"
                     r"|AWS_REGION|AWS_DEFAULT_REGION|TRAINING_JOB_NAME|TRAINING_JOB_ARN")
# prefixes (or whole names, with $) something on the host reads before or around our code
REFUSED = re.compile(r"""(
    LD_ | DYLD_ | MALLOC_ | GLIBC_ | GCONV_ | GETCONF_DIR$ | LOCPATH$ | NLSPATH$ | HOSTALIASES$
  | RES_OPTIONS$ | LOCALDOMAIN$ | TZ$ | TZDIR$                                  # loader and libc
  | PYTHON | PERL | RUBY | NODE_ | JAVA_ | _JAVA_ | JDK_ | GEM_ | TCL | LUA_    # interpreters
  | BASH | ENV$ | SHELL | PS\d$ | IFS$ | CDPATH$ | PROMPT_COMMAND$ | ZDOTDIR$   # shells
  | LC_ | LANG$ | LANGUAGE$                                                     # locale
  | PATH$ | HOME$ | TMPDIR$ | TEMP$ | TMP$ | USER$ | LOGNAME$ | PWD$ | OLDPWD$  # paths, identity
  | OPENSSL_ | SSL_ | CURL_ | REQUESTS_CA_BUNDLE$ | [A-Z]*_PROXY$             # TLS, proxies
  | SMEMU_                                                                      # smemu's own
)""", re.IGNORECASE | re.VERBOSE)
RULE = ("the process backend passes only the names the built-in algorithms read (SAGEMAKER_*, "
        "OMP_NUM_THREADS, OPENBLAS_*, MKL_*, AWS_REGION) and plain names (letters, digits, _) "
        "that no loader, libc, interpreter, shell or locale reads (not LD_*, GCONV_PATH, "
        "GLIBC_TUNABLES, PYTHON*, BASH_ENV, LC_*, PATH, HOME, SMEMU_*, ...)")


def allowed(name) -> bool:
    """Whether the process backend passes the variable ``name`` to the container."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return False
    return bool(BUILTIN.fullmatch(name)) or not REFUSED.match(name)


def refused_names(environment: dict) -> list[str]:
    """The names of ``environment`` the process backend does not pass, sorted."""
    return sorted(str(name) for name in environment if not allowed(name))
