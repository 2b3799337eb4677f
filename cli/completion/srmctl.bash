# bash completion for srmctl(1): its commands, each command's options, the values some options
# take (directories, files, log levels), and the ids of the ranges srmd manages, asked of the
# daemon itself (`srmctl ranges --json`) when it answers. Installed as
# /usr/share/bash-completion/completions/srmctl; it needs nothing from bash-completion itself.

# The range ids srmd reports, one per line; nothing when it does not answer within 2 seconds.
# $1: the --address given on the command line, if any.
_srmctl_range_ids() {
    local json
    local -a command=(srmctl)
    [[ -n $1 ]] && command+=(--address "$1")
    if type -P timeout >/dev/null; then
        json=$(timeout 2 "${command[@]}" ranges --json 2>/dev/null) || return 0
    else
        json=$("${command[@]}" ranges --json 2>/dev/null) || return 0
    fi
    # Range ids are "r" and the start in hex ("r2080000000"), and only ranges have an "id"
    # that looks so.
    grep -oE '"id": *"r[0-9a-f]+"' <<<"$json" | grep -oE 'r[0-9a-f]+'
}

_srmctl() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    local commands="status ranges show plan explain apply reconcile reload log-level monitor
        simulate capture check-policy help"
    local bus="--json --address --help"
    local ask="--no-ask-password"

    # The command is the first word that is not an option or an option's value.
    local i command= address=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --address)
                address=${COMP_WORDS[i + 1]}
                ((i++))
                ;;
            --address=*) address=${COMP_WORDS[i]#--address=} ;;
            --root | --policy-dir | --range | --count | --inject | --step-timeout) ((i++)) ;;
            -*) ;;
            *)
                [[ -z $command ]] && command=${COMP_WORDS[i]}
                ;;
        esac
    done

    COMPREPLY=()
    case $prev in
        --root | --policy-dir)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return 0
            ;;
        --address | --count | --inject | --step-timeout)
            return 0
            ;;
        --range)
            mapfile -t COMPREPLY < <(compgen -W "$(_srmctl_range_ids "$address")" -- "$cur")
            return 0
            ;;
    esac

    if [[ -z $command ]]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "--json --address --no-ask-password --help
                --version" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
        fi
        return 0
    fi

    local options= words=
    case $command in
        status | ranges) options=$bus ;;
        show) options=$bus ;;
        plan) options="$bus --root --policy-dir" ;;
        explain) options="$bus --root --policy-dir" ;;
        apply) options="$bus $ask --range --full" ;;
        reconcile) options="$bus $ask" ;;
        reload) options="$bus $ask --no-reconcile" ;;
        log-level) options="$bus $ask" ;;
        monitor) options="$bus --count" ;;
        simulate) options="--root --json --policy-dir --apply --in-place --inject --step-timeout
            --help" ;;
        capture) options="--root --help" ;;
        check-policy) options="--policy-dir --help" ;;
        help) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
        return 0
    fi

    # The arguments: one per command, counted after the command's name.
    local args=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --address | --root | --policy-dir | --range | --count | --inject | --step-timeout)
                ((i++))
                ;;
            -* | "$command") ;;
            *) ((args++)) ;;
        esac
    done
    case $command in
        show | explain)
            ((args == 0)) && words=$(_srmctl_range_ids "$address")
            ;;
        log-level)
            ((args == 0)) && words="err warning notice info debug"
            ;;
        capture)
            if ((args == 0)); then
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -d -- "$cur")
                return 0
            fi
            ;;
        check-policy)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -X '!*.yaml' -- "$cur"; compgen -d -- "$cur")
            return 0
            ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
    return 0
}

complete -F _srmctl srmctl
