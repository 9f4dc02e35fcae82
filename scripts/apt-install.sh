# Sourced by the install-*.sh scripts: `apt_install WHO PACKAGE...` installs Debian packages
# non-interactively, as root or through sudo; it fails in one line where that is not possible.

apt_install() {
  local who="$1"
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: no apt-get here; install $* by hand" >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "$who: needs root (or sudo) to install $*" >&2
      return 1
    fi
    sudo="sudo"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
