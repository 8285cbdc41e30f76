# bash completion for btfstream (installed by make install as
# $(PREFIX)/share/bash-completion/completions/btfstream)
_btfstream() {
	local cur prev words cword
	_init_completion -s || return
	local features="encode_force var float decl_tag type_tag enum64 optimized_func consistent_func
		decl_tag_kfuncs reproducible_build distilled_base global_var attributes layout default all"
	if [[ ${words[1]} == diff ]]; then
		case $prev in
		--base) _filedir; return ;;
		--ignore-kinds) COMPREPLY=($(compgen -W "INT PTR ARRAY STRUCT UNION ENUM FWD TYPEDEF VOLATILE CONST
			RESTRICT FUNC FUNC_PROTO VAR DATASEC FLOAT DECL_TAG TYPE_TAG ENUM64" -- "${cur##*,}")); return ;;
		--show) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--base --ignore-kinds --show --ignore-func-linkage -q --help" -- "$cur"))
		else
			_filedir
		fi
		return
	fi
	case $prev in
	-o|--output|--base|--btf_base|--funcs-report|--btf_encode_detached|--trace) _filedir; return ;;
	--modules) _filedir -d; return ;;
	--btf-features|--btf_features|--btf-features-strict|--btf_features_strict)
		local pre=${cur%,*} ; [[ $pre == "$cur" ]] && pre= || pre+=,
		COMPREPLY=($(compgen -P "$pre" -W "$features" -- "${cur##*,}")); compopt -o nospace; return ;;
	--stats) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
	--lang-exclude|--lang_exclude) COMPREPLY=($(compgen -W "rust c c++" -- "$cur")); return ;;
	--memory-limit) COMPREPLY=($(compgen -W "none 64M 256M 1G" -- "$cur")); return ;;
	-j|--jobs|--queue-capacity|--window|--batch-records) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-o --output --embed -J -j --jobs --base --btf_base --modules --btf-features
			--btf_features --btf-features-strict --btf_features_strict --supported_btf_features --lang-exclude
			--lang_exclude --funcs-report --stats --trace --memory-limit --queue-capacity --window --batch-records
			--btf_encode_detached --skip_encoding_btf_vars --skip_encoding_btf_decl_tag
			--skip_encoding_btf_type_tag --skip_encoding_btf_enum64 --skip_encoding_btf_inconsistent_proto
			--btf_gen_optimized --btf_encode_force --btf_gen_floats --btf_gen_all --reproducible_build
			-q --quiet -v -V --verbose --version --numeric_version -h --help" -- "$cur"))
	elif [[ $cword == 1 ]]; then
		COMPREPLY=($(compgen -W "diff" -- "$cur"))
		_filedir
	else
		_filedir
	fi
} &&
	complete -F _btfstream btfstream
