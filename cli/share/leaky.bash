# SPDX-License-Identifier: MIT
# Bash completion for leaky: commands, then each command's options as its --help lists
# them (lines indented 1 to 6 spaces; so they never drift from the program), file names
# for the rest.
_leaky()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    if [[ $COMP_CWORD -eq 1 ]]; then
        mapfile -t COMPREPLY < <(compgen -W "eval apply plot demo info bench experiment help --help --version" -- "$cur")
        return
    fi
    local command=${COMP_WORDS[1]}
    case $prev in
    -t | --dtype)
        mapfile -t COMPREPLY < <(compgen -W "f32 f64 f16 bf16 qs8 qu8" -- "$cur")
        return
        ;;
    -a | --activation)
        mapfile -t COMPREPLY < <(compgen -W "leaky: relu prelu: rrelu" -- "$cur")
        return
        ;;
    esac
    if [[ $command == help ]]; then
        mapfile -t COMPREPLY < <(compgen -W "eval apply plot demo info bench experiment" -- "$cur")
        return
    fi
    if [[ $cur == -* ]]; then
        local options
        options=$("${COMP_WORDS[0]}" "$command" --help 2>/dev/null |
            grep -E '^ {1,6}-' | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z0-9-]*' | tr -d ' ,' | sort -u)
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
        return
    fi
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -o filenames -F _leaky leaky
