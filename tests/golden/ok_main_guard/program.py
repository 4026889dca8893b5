import sys, os
if __name__ == '__main__':
    print(os.path.basename(sys.argv[0]), os.path.basename(__file__))
    print(sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
