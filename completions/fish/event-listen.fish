# fish completion for event-listen
complete -c event-listen -f
complete -c event-listen -s u -l url -x -a 'local: - redis:// redis+unix:// redis+stream:// tcp:// ipc://' -d 'Endpoint URL'
complete -c event-listen -l match -x -a 'glob prefix regex exact' -d 'How patterns match tags'
complete -c event-listen -s x -l exclude -x -d 'Skip tags matching pattern'
complete -c event-listen -s n -l count -x -d 'Exit after N events'
complete -c event-listen -s w -l wait -x -d 'Exit 1 when idle for SECS'
complete -c event-listen -l timeout -x -d 'Exit 1 after SECS in all'
complete -c event-listen -s o -l output -x -a 'json pretty salt data' -d 'Output format or template'
complete -c event-listen -l ready-file -r -F -d 'Create PATH once live'
complete -c event-listen -l id -x -d 'Node id for events without one'
complete -c event-listen -s h -l help -d 'Show help'
complete -c event-listen -l version -d 'Show version'
