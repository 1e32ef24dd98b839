from ecobrain.cli import main

main()
