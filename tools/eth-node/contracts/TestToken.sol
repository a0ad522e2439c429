// SPDX-License-Identifier: Apache-2.0
// Contracts for Vigil's local-node test (tests/crypto/test_ethereum_node.py):
// a minimal ERC-20 and a splitter whose payouts exist only as internal
// transfers (visible in traces, not in blocks or receipts).
// Rebuild contracts.json after any edit: `npm run compile` in tools/eth-node.
pragma solidity 0.8.26;

contract TestToken {
    string public constant name = "Vigil Test Token";
    string public constant symbol = "VTT";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(address holder, uint256 supply) {
        totalSupply = supply;
        balanceOf[holder] = supply;
        emit Transfer(address(0), holder, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "allowance");
        allowance[from][msg.sender] = allowed - value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        require(balanceOf[from] >= value, "balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

contract Splitter {
    // Pays `first` a share of msg.value (in basis points) and `second` the rest.
    function split(address payable first, address payable second, uint256 firstBps)
        external
        payable
    {
        require(firstBps <= 10000, "bps");
        uint256 toFirst = (msg.value * firstBps) / 10000;
        first.transfer(toFirst);
        second.transfer(msg.value - toFirst);
    }
}
