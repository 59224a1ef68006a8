# bash completion for jailbuild(8), generated from the commander definitions in src/cli/ by `npm run gen:man`; do not edit.
# Use: eval "$(jailbuild completion bash)", or copy to /usr/share/bash-completion/completions/jailbuild

_jailbuild_subcommands() {
  case "$1" in
    '') echo demo fetch releases bootstrap create list status start stop restart limits console destroy network template plan apply upgrade prune export import migrate completion ;;
    demo) echo  ;;
    fetch) echo  ;;
    releases) echo  ;;
    bootstrap) echo  ;;
    create) echo  ;;
    list) echo  ;;
    status) echo  ;;
    start) echo  ;;
    stop) echo  ;;
    restart) echo  ;;
    limits) echo  ;;
    console) echo  ;;
    destroy) echo  ;;
    network) echo setup graph ;;
    'network setup') echo  ;;
    'network graph') echo  ;;
    template) echo build list diff ;;
    'template build') echo  ;;
    'template list') echo  ;;
    'template diff') echo  ;;
    plan) echo  ;;
    apply) echo  ;;
    upgrade) echo  ;;
    prune) echo  ;;
    export) echo  ;;
    import) echo  ;;
    migrate) echo  ;;
    completion) echo bash zsh ;;
  esac
}

_jailbuild_options() {
  case "$1" in
    '') echo -V --version --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug -h --help ;;
    demo) echo --name --release --from -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    fetch) echo --dists --force --stall-timeout -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    releases) echo --remote -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    bootstrap) echo -t --template --force --from --set --pkg-mirror -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    create) echo -r --release -t --template --hostname --net --ip --ip6 --param --rc --boot --fstab --timezone --securelevel --devfs-ruleset --limit --cpuset --health-cmd --health-tcp --health-timeout --health-retries --health-interval --start -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    list) echo -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    status) echo --check -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    start) echo -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    stop) echo -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    restart) echo -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    limits) echo --limit --unset --cpuset --clear -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    console) echo -u --user -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    destroy) echo -f --force -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    network) echo -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    'network setup') echo --apply -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    'network graph') echo --svg -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    template) echo -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    'template build') echo -r --release -f --force --templates -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    'template list') echo -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    'template diff') echo -r --release --templates -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    plan) echo -o --out --prune -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    apply) echo -c --concurrency --prune -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    upgrade) echo -r --release -a --all --allow-downgrade -j --jail --build-only --pkgbase-repo -f --conf --no-keep-snapshot -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    prune) echo -y --yes -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    export) echo -o --output --sign-key --unsigned --compression --full -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    import) echo --name --allow-unsigned --bootstrap --keep-addresses --net --ip -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    migrate) echo --to --keep --no-bootstrap -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
    completion) echo -h --help --json -n --dry-run --host --root --cache --mirror --arch --backend --dataset --strict -C --config --debug ;;
  esac
}

# Options that take a value (the next word): how to complete it.
_jailbuild_option_value() {
  case "$1" in
    --host) COMPREPLY=($(true)) ;;
    --root) COMPREPLY=($(compgen -d -- "$cur")) ;;
    --cache) COMPREPLY=($(compgen -d -- "$cur")) ;;
    --mirror) COMPREPLY=($(true)) ;;
    --arch) COMPREPLY=($(true)) ;;
    --backend) COMPREPLY=($(true)) ;;
    --dataset) COMPREPLY=($(true)) ;;
    -C) COMPREPLY=($(compgen -f -- "$cur")) ;;
    --config) COMPREPLY=($(compgen -f -- "$cur")) ;;
    --name) COMPREPLY=($(true)) ;;
    --release) COMPREPLY=($(true)) ;;
    --from) COMPREPLY=($(true)) ;;
    --dists) COMPREPLY=($(true)) ;;
    --stall-timeout) COMPREPLY=($(true)) ;;
    -t) COMPREPLY=($(true)) ;;
    --template) COMPREPLY=($(true)) ;;
    --set) COMPREPLY=($(true)) ;;
    --pkg-mirror) COMPREPLY=($(true)) ;;
    -r) COMPREPLY=($(true)) ;;
    --hostname) COMPREPLY=($(true)) ;;
    --net) COMPREPLY=($(true)) ;;
    --ip) COMPREPLY=($(true)) ;;
    --ip6) COMPREPLY=($(true)) ;;
    --param) COMPREPLY=($(true)) ;;
    --rc) COMPREPLY=($(true)) ;;
    --timezone) COMPREPLY=($(true)) ;;
    --securelevel) COMPREPLY=($(true)) ;;
    --devfs-ruleset) COMPREPLY=($(true)) ;;
    --limit) COMPREPLY=($(true)) ;;
    --cpuset) COMPREPLY=($(true)) ;;
    --health-cmd) COMPREPLY=($(true)) ;;
    --health-tcp) COMPREPLY=($(true)) ;;
    --health-timeout) COMPREPLY=($(true)) ;;
    --health-retries) COMPREPLY=($(true)) ;;
    --health-interval) COMPREPLY=($(true)) ;;
    --unset) COMPREPLY=($(true)) ;;
    -u) COMPREPLY=($(true)) ;;
    --user) COMPREPLY=($(true)) ;;
    --svg) COMPREPLY=($(compgen -f -- "$cur")) ;;
    --templates) COMPREPLY=($(compgen -d -- "$cur")) ;;
    -o) COMPREPLY=($(compgen -f -- "$cur")) ;;
    --out) COMPREPLY=($(compgen -f -- "$cur")) ;;
    -c) COMPREPLY=($(true)) ;;
    --concurrency) COMPREPLY=($(true)) ;;
    -j) COMPREPLY=($(true)) ;;
    --jail) COMPREPLY=($(true)) ;;
    --pkgbase-repo) COMPREPLY=($(true)) ;;
    -f) COMPREPLY=($(compgen -f -- "$cur")) ;;
    --conf) COMPREPLY=($(compgen -f -- "$cur")) ;;
    --output) COMPREPLY=($(compgen -f -- "$cur")) ;;
    --sign-key) COMPREPLY=($(compgen -f -- "$cur")) ;;
    --compression) COMPREPLY=($(true)) ;;
    --to) COMPREPLY=($(true)) ;;
    *) return 1 ;;
  esac
}

_jailbuild() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" path="" word i
  # Walk the words before the cursor: options (and the values they take) are skipped, subcommands descend.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    if [[ $word == -* ]]; then
      [[ $word != *=* ]] && _jailbuild_option_value "$word" >/dev/null 2>&1 && ((i++))
    elif [[ " $(_jailbuild_subcommands "$path") " == *" $word "* ]]; then
      path="${path:+$path }$word"
    fi
  done
  COMPREPLY=()
  if [[ $prev == -* && $prev != *=* ]] && ((COMP_CWORD - 1 >= 1)) && _jailbuild_option_value "$prev"; then
    return 0
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_jailbuild_options "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_jailbuild_subcommands "$path")" -- "$cur"))
  fi
}
complete -F _jailbuild jailbuild
