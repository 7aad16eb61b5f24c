# fish completion for event-fire
complete -c event-fire -f
complete -c event-fire -s u -l url -x -a 'local: - redis:// redis+unix:// redis+stream:// tcp:// ipc://' -d 'Endpoint URL'
complete -c event-fire -l master -d 'Fire to the master endpoint'
complete -c event-fire -l id -x -d 'This node id'
complete -c event-fire -s s -l stdin -d 'All of stdin is the data'
complete -c event-fire -s l -l lines -d 'One event per stdin line'
complete -c event-fire -l timeout -x -d 'Seconds a delivery may wait'
complete -c event-fire -l password-file -r -F -d 'Read the Redis password from FILE'
complete -c event-fire -s h -l help -d 'Show help'
complete -c event-fire -l version -d 'Show version'
complete -c event-fire -n '__fish_is_first_arg' -a 'fire fire_master' -d 'Salt form: DATA TAG'
