from metareview.cli import main

main()
