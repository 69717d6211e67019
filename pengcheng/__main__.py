from pengcheng.cli import main

main()
