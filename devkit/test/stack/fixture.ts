/** A minimal valid stack file for tests, with line numbers that tests can point at. */
export const MINIMAL = `name: demo
region: us-east-1
image:
  context: app
task:
  cpu: 1024
  memory: 3072
  port: 8080
network:
  vpcCidr: 10.0.0.0/16
  publicSubnets:
    - { cidr: 10.0.0.0/24, availabilityZone: us-east-1a }
    - { cidr: 10.0.1.0/24, availabilityZone: us-east-1b }
  privateSubnets:
    - { cidr: 10.0.10.0/24, availabilityZone: us-east-1a }
    - { cidr: 10.0.11.0/24, availabilityZone: us-east-1b }
logs:
  group: /ecs/demo
stages:
  dev: {}
  staging: {}
  prod:
    service:
      desiredCount: 3
`;
